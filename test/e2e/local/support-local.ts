import { randomUUID } from "node:crypto";
import { GetExecutionHistoryCommand, SFNClient } from "@aws-sdk/client-sfn";
import { LINE_STATES } from "../../../infra/constructs/line-workflow.ts";
import { DynamoDbLineWaits } from "../../../shared/adapters/dynamodb/line-waits.ts";
import { Table } from "../../../shared/adapters/dynamodb/table.ts";
import { addDays, toIsoDate } from "../../../shared/domain/dates.ts";
import type { Line, Order } from "../../../shared/domain/model.ts";
import { signWebhook } from "../../../shared/links/standard-webhooks.ts";
import { TestTable } from "../../support/table.ts";
import { api, localStack } from "../support.ts";

const credentials = { accessKeyId: "local", secretAccessKey: "local" };

/** Points this test process's SDK clients at the local stack and returns its adapters. */
export function localAdapters() {
  const stack = localStack();
  process.env.AWS_REGION = "us-east-1";
  process.env.AWS_ACCESS_KEY_ID = credentials.accessKeyId;
  process.env.AWS_SECRET_ACCESS_KEY = credentials.secretAccessKey;
  process.env.AWS_ENDPOINT_URL_DYNAMODB = stack.urls.dynamodb;
  return {
    stack,
    store: new TestTable(stack.tableName),
    waits: new DynamoDbLineWaits(new Table(stack.tableName)),
    sfn: new SFNClient({ endpoint: stack.urls.sfn, region: "us-east-1", credentials }),
  };
}

export async function virtualNow(): Promise<Date> {
  const res = await api("/_local/clock");
  return new Date(String(res.json.now));
}

export async function advanceClock(seconds: number): Promise<Date> {
  const res = await api("/_local/clock/advance", { method: "POST", body: { seconds } });
  if (res.status !== 200) throw new Error(`clock advance failed: ${res.text}`);
  return new Date(String(res.json.now));
}

/** An order with one backordered line, as order intake stores it. */
export function backorderedOrder(now: Date, promisedInDays: number) {
  const orderId = `ord_${randomUUID()}`;
  const lineId = `ln_${randomUUID()}`;
  const email = `customer-${randomUUID().slice(0, 8)}@example.com`;
  const at = now.toISOString();
  const order: Order = {
    orderId,
    orderRef: `SHOP-${randomUUID().slice(0, 6)}`,
    status: "open",
    customer: { email, name: "Ada Lovelace" },
    shippingAddress: {
      line1: "1 Main St",
      city: "Springfield",
      postalCode: "12345",
      country: "US",
    },
    splitPolicy: "ship_as_available",
    payment: { provider: "sandbox", customerRef: "cus_1", paymentMethodRef: "pm_card_visa" },
    currency: "USD",
    createdAt: at,
  };
  const line: Line = {
    orderId,
    lineId,
    lineRef: "1",
    sku: "WIDGET",
    qty: 2,
    unitPrice: 1999,
    currency: "USD",
    status: "backordered",
    eta: null,
    promisedBy: addDays(toIsoDate(now), promisedInDays),
    createdAt: at,
    history: [{ status: "backordered", at }],
    lastContactAt: at,
    promiseEscalated: false,
  };
  return { order, line, email };
}

/** Names of the states an execution has entered, in order. */
export async function enteredStates(sfn: SFNClient, executionArn: string): Promise<string[]> {
  const out = await sfn.send(new GetExecutionHistoryCommand({ executionArn, maxResults: 1000 }));
  return (out.events ?? [])
    .map((e) => e.stateEnteredEventDetails?.name)
    .filter((n): n is string => typeof n === "string");
}

/**
 * What an execution is parked for: the `wait` its last ParkLine state was entered with
 * ("stock", "shipped", …), or null when its last state is not ParkLine.
 */
export async function parkedFor(sfn: SFNClient, executionArn: string): Promise<string | null> {
  const out = await sfn
    .send(new GetExecutionHistoryCommand({ executionArn, maxResults: 1000 }))
    .catch(() => null);
  const last = (out?.events ?? [])
    .filter((e) => e.stateEnteredEventDetails)
    .at(-1)?.stateEnteredEventDetails;
  if (last?.name !== LINE_STATES.park) return null;
  const input = JSON.parse(last.input ?? "{}") as { step?: { wait?: string | null } };
  return input.step?.wait ?? null;
}

export interface StoredEmail {
  messageId: string;
  subject: string;
  destination: { to: string[] };
  body: { html?: string; text?: string };
  /** Custom headers the send carried (e.g. X-Backorder-Message-Key). */
  headers?: { name: string; value: string }[];
}

export async function emailsTo(address: string): Promise<StoredEmail[]> {
  const res = await fetch(`${localStack().urls.ses}/store`);
  const store = (await res.json()) as { emails: StoredEmail[] };
  return store.emails.filter((e) => e.destination.to.includes(address));
}

/** The local supplier `acme`'s webhook secret (contract §1). */
export const ACME_SECRET = "whsec_bG9jYWwtYWNtZS1zdXBwbGllci1zZWNyZXQtMDAwMQ==";

/** Posts a notice as a Standard Webhook signed with a supplier's secret. */
export function postAsn(
  supplierId: string,
  body: unknown,
  options: { id?: string; timestamp?: number; secret?: string } = {},
) {
  const raw = JSON.stringify(body);
  const id = options.id ?? `msg_${randomUUID()}`;
  const timestamp = options.timestamp ?? Math.floor(Date.now() / 1000);
  return api(`/v1/suppliers/${supplierId}/asns`, {
    method: "POST",
    rawBody: raw,
    headers: {
      "content-type": "application/json",
      "webhook-id": id,
      "webhook-timestamp": String(timestamp),
      "webhook-signature": signWebhook(options.secret ?? ACME_SECRET, id, timestamp, raw),
    },
  });
}

/** A notice of `qty` units of a SKU delivered on `deliveryDay`. */
export function asnFor(
  sku: string,
  qty: number,
  deliveryDay: string,
  revision = 1,
  asnId?: string,
) {
  return {
    asnId: asnId ?? `ASN-${randomUUID().slice(0, 8)}`,
    revision,
    estimatedDeliveryAt: `${deliveryDay}T00:00:00Z`,
    lines: [{ sku, qty }],
  };
}
