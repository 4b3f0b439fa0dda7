/**
 * The cost of a backordered line's whole life (order → park → receipt → charge → ship →
 * deliver, one unit, `ship_as_available`), counted on the local stack: the meter of the
 * stack's process (`GET /_local/meter`: SDK calls by operation, DynamoDB's consumed
 * capacity, Lambda invocations) and each line's execution history (state transitions).
 * Priced at AWS list prices, us-east-1. Lambda duration is not counted (the emulator's
 * timings are not Lambda's); its requests are.
 */
import { randomUUID } from "node:crypto";
import type { LocalStackManifest } from "../../infra/local/stack.ts";
import type { MeterReading } from "../../shared/adapters/meter.ts";
import { localSfn, requestedShipments, transitionsOf } from "./harness.ts";

/** Lines whose lives are counted together (their sum is divided by this). */
const LIFE_LINES = Number(process.env.BENCH_LIFE_LINES ?? 20);

/** AWS list prices, us-east-1. */
export const PRICE = {
  /** On-demand: per write and read request unit (what DynamoDB reports as consumed). */
  dynamoWrite: 0.625 / 1_000_000,
  dynamoRead: 0.125 / 1_000_000,
  /** Standard workflows, per state transition. */
  stateTransition: 0.025 / 1_000,
  email: 0.1 / 1_000,
  lambdaRequest: 0.2 / 1_000_000,
  /** Step Functions and other API requests made by the functions are free or negligible. */
};

/** The anchors the design is judged against (issue 10), per line. */
const ANCHORS = { polling: 0.026, callback: 0.00096 };

type Call = (
  method: string,
  path: string,
  body?: unknown,
  headers?: Record<string, string>,
) => Promise<{ status: number; json: Record<string, unknown> | null }>;

type Meter = MeterReading & { lambda: Record<string, number> };

const WAREHOUSE = { authorization: "Bearer local-warehouse-key" };

export async function lineLives(call: Call, manifest: LocalStackManifest) {
  const base = manifest.urls.api;
  const idle = () => fetch(`${base}/_local/idle?timeoutMs=120000`);
  const sku = `LIFE-${randomUUID().slice(0, 6)}`;
  await call("PUT", `/v1/skus/${sku}`, {
    name: "life",
    onHand: 0,
    backorder: { allowed: true, leadTimeDays: 14 },
  });
  await idle();
  await fetch(`${base}/_local/meter`, { method: "DELETE" });

  const lines: { orderId: string; lineId: string }[] = [];
  for (let i = 0; i < LIFE_LINES; i++) {
    const res = await call(
      "POST",
      "/v1/orders",
      {
        orderRef: `LIFE-${i}`,
        customer: { email: `life-${randomUUID().slice(0, 8)}@example.com`, name: "Life" },
        shippingAddress: {
          line1: "1 Main St",
          city: "Springfield",
          postalCode: "1",
          country: "US",
        },
        splitPolicy: "ship_as_available",
        payment: { provider: "sandbox", customerRef: "cus_1", paymentMethodRef: "pm_card_visa" },
        currency: "USD",
        lines: [{ lineRef: "1", sku, qty: 1, unitPrice: 1000 }],
      },
      { "idempotency-key": randomUUID() },
    );
    const json = res.json as { orderId: string; lines: { lineId: string }[] };
    lines.push({ orderId: json.orderId, lineId: json.lines[0]?.lineId as string });
  }
  await idle();
  await call(
    "POST",
    "/v1/receipts",
    { receiptId: `LIFE-${randomUUID()}`, lines: [{ sku, qty: LIFE_LINES }] },
    WAREHOUSE,
  );
  await idle();
  // Every requested shipment, paged (other scenarios' may come first), then ours.
  const ours = new Set(lines.map((l) => l.orderId));
  const shipments = (
    await requestedShipments<{ shipmentId: string; orderId: string }>(call)
  ).filter((s) => ours.has(s.orderId));
  for (const s of shipments) {
    await call(
      "POST",
      `/v1/shipments/${s.shipmentId}/shipped`,
      { carrier: "UPS", trackingNumber: `1Z${randomUUID().slice(0, 8)}` },
      WAREHOUSE,
    );
  }
  await idle();
  for (const s of shipments) {
    await call("POST", `/v1/shipments/${s.shipmentId}/delivered`, undefined, WAREHOUSE);
  }
  await idle();
  const meter = (await (await fetch(`${base}/_local/meter`)).json()) as Meter;

  const sfn = localSfn(manifest);
  let transitions = 0;
  let delivered = 0;
  for (const line of lines) {
    transitions += await transitionsOf(sfn, manifest, line.lineId);
    const order = await call("GET", `/v1/orders/${line.orderId}`);
    const status = (order.json?.lines as { status: string }[] | undefined)?.[0]?.status;
    if (status === "delivered") delivered++;
  }
  sfn.destroy();

  const n = lines.length;
  const per = (x: number) => x / n;
  const sum = (o: Record<string, number> | undefined) =>
    Object.values(o ?? {}).reduce((a, b) => a + b, 0);
  const emails = meter.calls.ses?.SendEmail ?? 0;
  const invocations = sum(meter.lambda);
  const cost = {
    dynamodb:
      per(meter.dynamodb.writeUnits) * PRICE.dynamoWrite +
      per(meter.dynamodb.readUnits) * PRICE.dynamoRead,
    transitions: per(transitions) * PRICE.stateTransition,
    emails: per(emails) * PRICE.email,
    lambda: per(invocations) * PRICE.lambdaRequest,
  };
  const total = cost.dynamodb + cost.transitions + cost.emails + cost.lambda;
  const round = (x: number) => Number(x.toFixed(1));
  return {
    allDelivered: delivered === n,
    table: {
      "line life: lines (all delivered?)": `${n} (${delivered === n ? "yes" : `${delivered} delivered`})`,
      "line life: state transitions per line": round(per(transitions)),
      "line life: DynamoDB write units per line": round(per(meter.dynamodb.writeUnits)),
      "line life: DynamoDB read units per line": round(per(meter.dynamodb.readUnits)),
      "line life: emails per line": round(per(emails)),
      "line life: Lambda invocations per line": round(per(invocations)),
      "line life: Step Functions API calls per line": round(per(sum(meter.calls.sfn))),
      ...Object.fromEntries(
        Object.entries(meter.dynamodb.unitsByOperation).map(([op, units]) => [
          `line life: DynamoDB ${op} units per line (${round(per(meter.calls.dynamodb?.[op] ?? 0))} calls)`,
          round(per(units)),
        ]),
      ),
      "line life: USD per line (counted)": total.toFixed(6),
      "line life: of which transitions": cost.transitions.toFixed(6),
      "line life: of which DynamoDB": cost.dynamodb.toFixed(6),
      "line life: of which emails": cost.emails.toFixed(6),
      "line life: of which Lambda requests": cost.lambda.toFixed(6),
      "anchor: polling design, USD per line": ANCHORS.polling,
      "anchor: callback design, USD per line": ANCHORS.callback,
    },
  };
}
