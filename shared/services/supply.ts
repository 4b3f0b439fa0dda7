import { toIsoDate } from "../domain/dates.ts";
import { refusals } from "../domain/errors.ts";
import { waitingEtas } from "../domain/inbound.ts";
import type { Line } from "../domain/model.ts";
import type { AdvanceShippingNotice } from "../domain/supply.ts";
import { describeError } from "../log-redaction.ts";
import { logger } from "../logger.ts";
import type { AppPorts } from "../ports/app.ts";
import type { DeliveryAnswer } from "../ports/supply.ts";
import { waitingQueue } from "./allocate.ts";
import { type BulkDeps, workInlineThenHandOver } from "./bulk.ts";
import { delayNow, type EscalateDeps, willMissPromise } from "./escalate.ts";
import { notifyCustomer } from "./notify.ts";
import { requestHash } from "./place-order.ts";

export type EtaDeps = Pick<AppPorts, "allocation" | "supply"> &
  EscalateDeps &
  Pick<AppPorts, "signals" | "rates">;

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
  deps: BulkDeps,
  { supplierId, webhookId, asn }: AsnDelivery,
): Promise<AsnAnswer> {
  const hash = requestHash(asn);
  const earlier = await deps.supply.getDelivery(supplierId, webhookId);
  if (earlier) {
    // A redelivery carries the same notice. Another notice under a webhook-id already
    // taken would be dropped if answered as one: refused, so the supplier knows.
    if (earlier.requestHash !== null && earlier.requestHash !== hash) {
      throw refusals.conflict(
        "webhook-id-reused",
        "Webhook id reused",
        "A delivery with this webhook-id and another notice was already taken: send a new notice under a new webhook-id.",
      );
    }
    return earlier.answer;
  }
  const now = deps.clock.now();
  // Also when the notice was stored by an earlier attempt that was cut off before it
  // settled it: the inbound, dates and emails it owed are finished here. Many lines to
  // re-date: the call does a few seconds' worth, a bulk job the rest.
  const saved = await deps.supply.saveAsn(supplierId, asn, now);
  await workInlineThenHandOver(
    deps,
    saved.skus.map((sku) => ({ kind: "etas" as const, sku })),
  );
  // Its inbound is written and its re-dating done or in a bulk job's hands.
  if (saved.skus.length > 0) await deps.supply.settleAsn(supplierId, asn.asnId, saved.revision);
  const answer: AsnAnswer = { asnId: asn.asnId, status: "accepted" };
  await deps.supply.saveDelivery(supplierId, webhookId, { answer, requestHash: hash }, now);
  return answer;
}

/**
 * Re-dates a SKU's waiting lines from its inbound notices (oldest line, soonest notice)
 * and emails `eta_updated` to customers whose date is new or moved by a day or more, once
 * per line and date.
 */
export async function refreshEtas(deps: EtaDeps, sku: string): Promise<number> {
  return (await redate(deps, sku)).changes;
}

/** As refreshEtas, until `deadline` (epoch ms): `finished` false when it stopped for time
 * (a later run picks up what is left: dates set and emails sent are not done again). */
export async function redate(
  deps: EtaDeps,
  sku: string,
  deadline = Number.POSITIVE_INFINITY,
): Promise<{ changes: number; finished: boolean }> {
  const inbound = await deps.supply.inbound(sku);
  const queue = await waitingQueue(deps.allocation, sku);
  const changes = waitingEtas(queue, inbound);
  const byId = new Map(queue.map((l) => [l.lineId, l]));
  const toTell = new Map<string, Line[]>();
  const today = toIsoDate(deps.clock.now());
  /** Lines the new date makes late: their delay is told now (contract §8). */
  const late: Line[] = [];
  for (const change of changes) {
    if (Date.now() > deadline) return { changes: changes.length, finished: false };
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
    if (change.changed && willMissPromise(line, change.eta, today)) {
      late.push({ ...line, eta: change.eta });
      continue;
    }
    if (change.notify) {
      toTell.set(line.orderId, [...(toTell.get(line.orderId) ?? []), { ...line, eta: change.eta }]);
    }
  }
  for (const line of late) {
    if (Date.now() > deadline) return { changes: changes.length, finished: false };
    const told = await tellDelay(deps, line, deadline);
    // A small first slip is moved silently; the customer still hears the new date.
    if (told === "silent") {
      const moved = { ...line, promisedBy: line.eta ?? line.promisedBy };
      toTell.set(line.orderId, [...(toTell.get(line.orderId) ?? []), moved]);
    }
    // The delay notice gives the new date: no eta_updated for it later.
    if (told === "notice") await deps.waits.setNotifiedEta(line.orderId, line.lineId, line.eta);
  }
  for (const [orderId, lines] of toTell) {
    if (Date.now() > deadline) return { changes: changes.length, finished: false };
    await tellNewEtas(deps, orderId, lines, deadline);
  }
  return { changes: changes.length, finished: true };
}

/**
 * The delay of a line its new date makes late, decided and told now. A failure is logged:
 * the line's own timer decides it on the promised day (the later, surer way).
 */
async function tellDelay(
  deps: EtaDeps,
  line: Line,
  deadline: number,
): Promise<"silent" | "notice" | null> {
  try {
    const order = await deps.orders.getOrder(line.orderId);
    if (!order) return null;
    return await delayNow(deps, order, line, {
      ...(Number.isFinite(deadline) ? { rateWaitUntil: deadline } : {}),
    });
  } catch (error) {
    logger.warn("a delay could not be told early; the line's timer tells it on its date", {
      orderId: line.orderId,
      lineId: line.lineId,
      error: describeError(error),
    });
    return null;
  }
}

/**
 * The `eta_updated` email of one order's re-dated lines. An email never blocks the notice
 * or the receipt that re-dated them: one that cannot be sent or recorded (the provider,
 * the table) is logged and left owed (`notifiedEta` unchanged), so the next re-dating of
 * the SKU sends it.
 */
async function tellNewEtas(
  deps: EtaDeps,
  orderId: string,
  lines: Line[],
  deadline: number,
): Promise<void> {
  try {
    const order = await deps.orders.getOrder(orderId);
    if (!order) return;
    // Keyed by what the customer knew and what they learn: sent once per such change.
    const occasion = lines
      .map((l) => `${l.notifiedEta ?? "none"}>${l.eta}`)
      .sort()
      .join("+");
    // A bulk job waits its turn at the email rate; a request leaves it to the next dating.
    const sent = await notifyCustomer(deps.notify, "eta_updated", order, lines, occasion, {
      ...(Number.isFinite(deadline) ? { rateWaitUntil: deadline } : {}),
    });
    // Not sent now (another attempt holds it, or its turn at the email rate did not come):
    // the line is not marked told, so the next dating sends it.
    if (sent !== "in-flight" && sent !== "deferred") {
      for (const l of lines) await deps.waits.setNotifiedEta(orderId, l.lineId, l.eta);
    }
  } catch (error) {
    logger.warn("eta_updated email not sent; the next re-dating of the SKU sends it", {
      orderId,
      lineIds: lines.map((l) => l.lineId),
      error: describeError(error),
    });
  }
}
