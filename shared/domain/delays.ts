import { addDays, daysBetween, endOfDay, type IsoDate } from "./dates.ts";

/**
 * Delay escalation (contract §8). When a waiting line's promised ship-by date passes, the
 * revised date is its ETA (from supplier notices) or unknown; what happens depends on how
 * late the revised date is, and the US FTC mail-order rule decides when the customer's
 * consent is needed to keep the order. Every threshold is configuration.
 */
export interface DelayConfig {
  /** Up to this many days late, the date is adjusted without an email (first delay only). */
  silentDays: number;
  /** Up to this many days late: a notice with an apology. */
  apologyDays: number;
  /** Up to this many: the notice also offers substitutes and discounted shipping; beyond,
   * substitutes and a discount on a future purchase. */
  substitutesDays: number;
  /** A total delay past the first promise beyond this needs consent (FTC: 30 days). */
  consentAfterTotalDays: number;
  /** Days given to consent when the revised date is unknown. */
  unknownConsentDays: number;
}

export const DEFAULT_DELAYS: DelayConfig = {
  silentDays: 3,
  apologyDays: 7,
  substitutesDays: 14,
  consentAfterTotalDays: 30,
  unknownConsentDays: 30,
};

export const DELAY_TIERS = [
  "apology",
  "substitutes_shipping_discount",
  "substitutes_future_discount",
] as const;
export type DelayTier = (typeof DELAY_TIERS)[number];

/** The delay facts of a waiting line. */
export interface DelayState {
  promisedBy: IsoDate;
  /** The date first promised at intake. */
  firstPromisedBy: IsoDate;
  /** The date the customer was last told (the first promise, then each notice's date):
   * lateness is measured from it, so silent slips cannot add up unnoticed. */
  toldPromisedBy?: IsoDate;
  eta: IsoDate | null;
  /** Delay notices sent so far. */
  delays: number;
}

export type DelayDecision =
  /** A small slip: the promise moves to the revised date, no email. */
  | { kind: "silent"; promisedBy: IsoDate }
  | {
      kind: "notice";
      tier: DelayTier;
      /** The revised date, or null when not known. */
      revised: IsoDate | null;
      /** The new promise (the revised date; unchanged when unknown). */
      promisedBy: IsoDate;
      /** When consent is needed: the day by which it must come, else null. */
      consentBy: IsoDate | null;
      delays: number;
    };

/** What to do when `state.promisedBy` has passed, on `today`. */
export function decideDelay(
  state: DelayState,
  today: IsoDate,
  config: DelayConfig = DEFAULT_DELAYS,
): DelayDecision {
  const revised = state.eta !== null && state.eta > state.promisedBy ? state.eta : null;
  const told = state.toldPromisedBy ?? state.firstPromisedBy;
  const late = revised ? daysBetween(told, revised) : Number.POSITIVE_INFINITY;
  const total = revised ? daysBetween(state.firstPromisedBy, revised) : Number.POSITIVE_INFINITY;
  if (
    revised &&
    state.delays === 0 &&
    late <= config.silentDays &&
    total <= config.consentAfterTotalDays
  ) {
    return { kind: "silent", promisedBy: revised };
  }
  const delays = state.delays + 1;
  const tier: DelayTier =
    late <= config.apologyDays
      ? "apology"
      : late <= config.substitutesDays
        ? "substitutes_shipping_discount"
        : "substitutes_future_discount";
  const needsConsent = delays >= 2 || total > config.consentAfterTotalDays;
  const consentBy = revised ?? addDays(today, config.unknownConsentDays);
  return {
    kind: "notice",
    tier,
    revised,
    promisedBy: revised ?? state.promisedBy,
    consentBy: needsConsent ? consentBy : null,
    delays,
  };
}

/** The instant a consent deadline has passed: the end of its day. */
export function consentDeadline(consentBy: IsoDate): Date {
  return endOfDay(consentBy);
}
