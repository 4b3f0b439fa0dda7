import { toIsoDate } from "../domain/dates.ts";
import { type DelayConfig, decideDelay } from "../domain/delays.ts";
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
    await notifyCustomer(deps.notify, "check_in", order, [line], line.lastContactAt);
    return { escalated: "check_in" };
  }
  const decision = decideDelay(
    {
      promisedBy: line.promisedBy,
      firstPromisedBy: line.firstPromisedBy ?? line.promisedBy,
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
    });
    return { escalated: "silent" };
  }
  const sku = await deps.store.getSku(line.sku);
  await notifyCustomer(deps.notify, "delay_notice", order, [line], `delay-${decision.delays}`, {
    delay: {
      tier: decision.tier,
      revised: decision.revised,
      substitutes: sku?.substitutes ?? [],
      consentBy: decision.consentBy,
    },
  });
  await deps.store.recordDelay(line, line.promisedBy, {
    promisedBy: decision.promisedBy,
    // A known revised date is the new promise (its passing is the next delay); an unknown
    // one leaves the old promise passed and handled.
    promiseEscalated: decision.revised === null,
    delays: decision.delays,
    consentBy: decision.consentBy,
  });
  return { escalated: "delay_notice", tier: decision.tier, consentBy: decision.consentBy };
}
