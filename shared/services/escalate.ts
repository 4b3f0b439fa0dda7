import { toIsoDate } from "../domain/dates.ts";
import { type DelayConfig, decideDelay } from "../domain/delays.ts";
import { NotificationInFlightError } from "../workflow/handler.ts";
import { cancelLine, type FulfilmentDeps } from "./fulfilment.ts";
import { nextEscalationOf } from "./line-context.ts";
import { notifyCustomer } from "./notify.ts";

/**
 * A waiting line's timer fell due (contract §8): a consent the FTC rule asked for and did
 * not get cancels the line; a passed promise gets the delay decision of its tier (a silent
 * adjustment or a delay notice, asking consent when needed); a line silent for the
 * configured days gets a check-in. Emails go first, keyed by the delay, so a retry after a
 * crash sends nothing twice and still records the delay.
 */
export async function escalateLine(
  deps: FulfilmentDeps & { delays: DelayConfig },
  orderId: string,
  lineId: string,
) {
  const [order, line] = await Promise.all([
    deps.store.getOrder(orderId),
    deps.store.getLine(orderId, lineId),
  ]);
  if (!order || line?.status !== "backordered") return { escalated: null };
  const now = deps.clock.now();
  const due = nextEscalationOf(line);
  if (due.at > now) return { escalated: null };

  if (due.kind === "consent_due") {
    await cancelLine(deps, orderId, lineId);
    return { escalated: "cancelled_without_consent" };
  }
  if (due.kind === "check_in") {
    const sent = await notifyCustomer(deps.notify, "check_in", order, [line], line.lastContactAt);
    if (sent === "in-flight") throw new NotificationInFlightError(`check-in of ${lineId}`);
    // Sent by a run that crashed before it noted it: note it now, or the timer fires again.
    if (sent === "already-sent") await deps.store.touchLastContact(orderId, [lineId], now);
    return { escalated: "check_in" };
  }
  const decision = decideDelay(
    {
      promisedBy: line.promisedBy,
      firstPromisedBy: line.firstPromisedBy ?? line.promisedBy,
      ...(line.toldPromisedBy ? { toldPromisedBy: line.toldPromisedBy } : {}),
      eta: line.eta,
      delays: line.delays ?? 0,
    },
    toIsoDate(now),
    deps.delays,
  );
  if (decision.kind === "silent") {
    await deps.store.recordDelay(line, line.promisedBy, {
      promisedBy: decision.promisedBy,
      promiseEscalated: false,
      delays: line.delays ?? 0,
      consentBy: line.consentBy ?? null,
      toldPromisedBy: line.toldPromisedBy ?? line.firstPromisedBy ?? line.promisedBy,
    });
    return { escalated: "silent" };
  }
  const sku = await deps.store.getSku(line.sku);
  // The email shows the line as it will be: its new promise.
  const revisedLine = { ...line, promisedBy: decision.promisedBy };
  const sent = await notifyCustomer(
    deps.notify,
    "delay_notice",
    order,
    [revisedLine],
    `delay-${decision.delays}`,
    {
      delay: {
        tier: decision.tier,
        revised: decision.revised,
        substitutes: sku?.substitutes ?? [],
        consentBy: decision.consentBy,
      },
    },
  );
  if (sent === "in-flight") throw new NotificationInFlightError(`delay notice of ${lineId}`);
  await deps.store.recordDelay(line, line.promisedBy, {
    promisedBy: decision.promisedBy,
    // A known revised date is the new promise (its passing is the next delay); an unknown
    // one leaves the old promise passed and handled.
    promiseEscalated: decision.revised === null,
    delays: decision.delays,
    consentBy: decision.consentBy,
    toldPromisedBy: decision.promisedBy,
  });
  return { escalated: "delay_notice", tier: decision.tier, consentBy: decision.consentBy };
}
