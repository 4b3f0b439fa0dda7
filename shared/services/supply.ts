import { waitingEtas } from "../domain/inbound.ts";
import type { Line } from "../domain/model.ts";
import type { AdvanceShippingNotice } from "../domain/supply.ts";
import { logger } from "../logger.ts";
import type { AppPorts } from "../ports/app.ts";
import type { DeliveryAnswer } from "../ports/supply.ts";
import { notifyCustomer } from "./notify.ts";

export type EtaDeps = Pick<AppPorts, "orders" | "allocation" | "waits" | "supply" | "notify">;

/** A notice delivered by a supplier's webhook, its signature already verified. */
export interface AsnDelivery {
  supplierId: string;
  /** The delivery's `webhook-id`: a redelivery carries the same. */
  webhookId: string;
  asn: AdvanceShippingNotice;
}

export type AsnAnswer = DeliveryAnswer;

/**
 * A supplier's advance shipping notice (contract §6): a redelivery (same webhook-id)
 * answers the same and changes nothing; a notice is stored when it is new or a higher
 * revision, and the waiting lines of its SKUs are dated again.
 */
export async function receiveAsn(
  deps: EtaDeps & Pick<AppPorts, "clock">,
  { supplierId, webhookId, asn }: AsnDelivery,
): Promise<AsnAnswer> {
  const earlier = await deps.supply.getDelivery(supplierId, webhookId);
  if (earlier) return earlier;
  const now = deps.clock.now();
  // Also when the notice was stored by an earlier attempt that was cut off before it
  // settled it: the inbound, dates and emails it owed are finished here.
  const saved = await deps.supply.saveAsn(supplierId, asn, now);
  for (const sku of saved.skus) await refreshEtas(deps, sku);
  if (saved.skus.length > 0) await deps.supply.settleAsn(supplierId, asn.asnId, saved.revision);
  const answer: AsnAnswer = { asnId: asn.asnId, status: "accepted" };
  await deps.supply.saveDelivery(supplierId, webhookId, answer, now);
  return answer;
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
    const page = await deps.allocation.waitingLines(sku, 200, after);
    queue.push(...page.lines);
    after = page.next ?? undefined;
  } while (after);
  const changes = waitingEtas(queue, inbound);
  const byId = new Map(queue.map((l) => [l.lineId, l]));
  const toTell = new Map<string, Line[]>();
  for (const change of changes) {
    const line = byId.get(change.lineId);
    if (!line) continue;
    if (change.changed) {
      // A line whose passed promise had no known date gets the ETA as its new promise,
      // so a further slip is a delay again.
      const promise =
        change.eta && line.promiseEscalated && change.eta > line.promisedBy ? change.eta : null;
      if (!(await deps.waits.setLineEta(change.orderId, change.lineId, change.eta, promise))) {
        continue;
      }
    }
    if (change.notify) {
      toTell.set(line.orderId, [...(toTell.get(line.orderId) ?? []), { ...line, eta: change.eta }]);
    }
  }
  for (const [orderId, lines] of toTell) await tellNewEtas(deps, orderId, lines);
  return changes.length;
}

/**
 * The `eta_updated` email of one order's re-dated lines. An email never blocks the notice
 * or the receipt that re-dated them: one that cannot be sent or recorded (the provider,
 * the table) is logged and left owed (`notifiedEta` unchanged), so the next re-dating of
 * the SKU sends it.
 */
async function tellNewEtas(deps: EtaDeps, orderId: string, lines: Line[]): Promise<void> {
  try {
    const order = await deps.orders.getOrder(orderId);
    if (!order) return;
    // Keyed by what the customer knew and what they learn: sent once per such change.
    const occasion = lines
      .map((l) => `${l.notifiedEta ?? "none"}>${l.eta}`)
      .sort()
      .join("+");
    const sent = await notifyCustomer(deps.notify, "eta_updated", order, lines, occasion);
    if (sent !== "in-flight") {
      for (const l of lines) await deps.waits.setNotifiedEta(orderId, l.lineId, l.eta);
    }
  } catch (error) {
    logger.warn("eta_updated email not sent; the next re-dating of the SKU sends it", {
      orderId,
      lineIds: lines.map((l) => l.lineId),
      error: error instanceof Error ? error.message : String(error),
    });
  }
}
