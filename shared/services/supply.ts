import type { z } from "zod";
import type { DynamoDbSupply } from "../adapters/dynamodb-supply.ts";
import { waitingEtas } from "../domain/inbound.ts";
import type { Line } from "../domain/model.ts";
import { parseBody } from "../http/handler.ts";
import { problems } from "../http/problem.ts";
import type { AsnBody } from "../http/schemas.ts";
import { verifyWebhook, type WebhookHeaders } from "../links/standard-webhooks.ts";
import type { Store } from "../ports/store.ts";
import { type NotifyDeps, notifyCustomer } from "./notify.ts";

export interface SupplyDeps extends EtaDeps {
  secrets: () => Promise<Record<string, string>>;
}

export interface AsnDelivery {
  supplierId: string;
  headers: WebhookHeaders;
  rawBody: string;
  schema: z.ZodType<AsnBody>;
  /** The system's clock (the virtual one locally). */
  now: Date;
}

/**
 * A supplier's advance shipping notice (contract §6): the signature is checked first
 * (401 when it does not verify or is stale; 403 when it is another supplier's), then a
 * redelivery (same webhook-id) answers the same and changes nothing, and a notice is
 * stored when it is new or a higher revision.
 */
export async function receiveAsn(deps: SupplyDeps, delivery: AsnDelivery) {
  const secrets = await deps.secrets();
  // Timestamps are checked against real time, and locally also against the virtual clock
  // (a test that moved it signs with its time).
  const nows = [
    ...new Set([Math.floor(Date.now() / 1000), Math.floor(delivery.now.getTime() / 1000)]),
  ];
  const own = secrets[delivery.supplierId];
  const check = own
    ? verifyWebhook(own, delivery.headers, delivery.rawBody, nows)
    : ({ ok: false, reason: "bad-signature" } as const);
  if (!check.ok) {
    if (check.reason === "stale-timestamp") {
      throw problems.unauthorized("The webhook-timestamp is more than 5 minutes off.");
    }
    const someoneElse = Object.entries(secrets).some(
      ([id, secret]) =>
        id !== delivery.supplierId &&
        verifyWebhook(secret, delivery.headers, delivery.rawBody, nows).ok,
    );
    if (someoneElse) throw problems.forbidden("A supplier may post only under its own id.");
    throw problems.unauthorized("The webhook signature does not verify.");
  }
  const webhookId = delivery.headers.id as string;
  const earlier = await deps.supply.getDelivery(delivery.supplierId, webhookId);
  if (earlier) return earlier as { asnId: string; status: string };
  const asn = parseBody(delivery.rawBody, delivery.schema);
  const before = await deps.supply.getAsn(delivery.supplierId, asn.asnId);
  await deps.supply.saveAsn(delivery.supplierId, asn, delivery.now);
  // Also when the notice was stored by an earlier attempt of this delivery that failed
  // before answering: the dates and emails it owed are finished here.
  const skus = new Set([...asn.lines, ...(before?.lines ?? [])].map((l) => l.sku));
  for (const sku of skus) await refreshEtas(deps, sku);
  const answer = { asnId: asn.asnId, status: "accepted" };
  await deps.supply.saveDelivery(delivery.supplierId, webhookId, answer, delivery.now);
  return answer;
}

export interface EtaDeps {
  store: Store;
  supply: DynamoDbSupply;
  notify: NotifyDeps;
}

/**
 * Re-dates a SKU's waiting lines from its inbound notices (oldest line, soonest notice)
 * and emails `eta_updated` to customers whose date is new or moved by a day or more, once
 * per line and date.
 */
export async function refreshEtas(deps: EtaDeps, sku: string): Promise<number> {
  const inbound = await deps.supply.inbound(sku);
  const queue: Line[] = [];
  let after: string | undefined;
  do {
    const page = await deps.store.waitingLines(sku, 200, after);
    queue.push(...page.lines);
    after = page.next ?? undefined;
  } while (after);
  const changes = waitingEtas(queue, inbound);
  const toTell = new Map<string, Line[]>();
  for (const change of changes) {
    const line = queue.find((l) => l.lineId === change.lineId);
    if (!line) continue;
    if (change.changed) {
      // A line whose passed promise had no known date gets the ETA as its new promise,
      // so a further slip is a delay again.
      const promise =
        change.eta && line.promiseEscalated && change.eta > line.promisedBy ? change.eta : null;
      if (!(await deps.store.setLineEta(change.orderId, change.lineId, change.eta, promise))) {
        continue;
      }
    }
    if (change.notify) {
      toTell.set(line.orderId, [...(toTell.get(line.orderId) ?? []), { ...line, eta: change.eta }]);
    }
  }
  for (const [orderId, lines] of toTell) {
    const order = await deps.store.getOrder(orderId);
    if (!order) continue;
    // Keyed by what the customer knew and what they learn: sent once per such change.
    const occasion = lines
      .map((l) => `${l.notifiedEta ?? "none"}>${l.eta}`)
      .sort()
      .join("+");
    const sent = await notifyCustomer(deps.notify, "eta_updated", order, lines, occasion);
    if (sent !== "in-flight") {
      for (const l of lines) await deps.store.setNotifiedEta(orderId, l.lineId, l.eta);
    }
  }
  return changes.length;
}
