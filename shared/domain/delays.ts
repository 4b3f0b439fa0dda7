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
  // Contract §8: lateness for the tier counts from the first promise (a second slip adds
  // to the first); the silent allowance above, from the date last told.
  const tier: DelayTier = revised ? tierFor(total, config) : "substitutes_future_discount";
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

/** What is known of a paid line the warehouse has not shipped (charged, or its shipment
 * requested), for its delay notices. */
export interface LateState {
  promisedBy: IsoDate;
  firstPromisedBy: IsoDate;
  /** The tier of the last warehouse-delay notice sent, or null before the first. */
  lateTier: DelayTier | null;
  /** A consent asked for this line (null: none asked). */
  consentBy: IsoDate | null;
}

/** A warehouse-delay notice due: its tier (by days late), and the consent it asks. */
export interface LateNotice {
  tier: DelayTier;
  consentBy: IsoDate | null;
  /** Its event key part: one notice per tier, and one for the consent. */
  occasion: string;
  daysLate: number;
}

const TIER_RANK: Record<DelayTier, number> = {
  apology: 1,
  substitutes_shipping_discount: 2,
  substitutes_future_discount: 3,
};

/** The tier of a delay by how many days late it is (contract §8). */
export function tierFor(daysLate: number, config: DelayConfig = DEFAULT_DELAYS): DelayTier {
  if (daysLate <= config.apologyDays) return "apology";
  if (daysLate <= config.substitutesDays) return "substitutes_shipping_discount";
  return "substitutes_future_discount";
}

/**
 * The day at whose end the next warehouse-delay notice of a paid line falls due (contract
 * §8: lines after allocation that miss their date are told too), or null when none is left:
 * first when its promise passes, then as its lateness (from the first promise) reaches each
 * higher tier, and once more when it passes the FTC rule's limit, which needs consent.
 */
export function nextLateNotice(
  state: LateState,
  config: DelayConfig = DEFAULT_DELAYS,
): IsoDate | null {
  if (state.lateTier === null) return state.promisedBy;
  const first = state.firstPromisedBy;
  const rank = TIER_RANK[state.lateTier];
  const days: IsoDate[] = [];
  if (rank < 2) days.push(addDays(first, config.apologyDays));
  if (rank < 3) days.push(addDays(first, config.substitutesDays));
  if (state.consentBy === null) days.push(addDays(first, config.consentAfterTotalDays));
  // Never before the promise itself has passed (ISO dates sort as they fall).
  const due = days.map((d) => [d, state.promisedBy].sort()[1] as IsoDate).sort()[0];
  return due ?? null;
}

/** The warehouse-delay notice due on `today`, if one is. A paid line is asked consent only
 * past the rule's limit (30 days from the first promise by default), by `unknownConsentDays`
 * from today: without it the line is cancelled and refunded. */
export function lateNoticeOn(
  state: LateState,
  today: IsoDate,
  config: DelayConfig = DEFAULT_DELAYS,
): LateNotice | null {
  const due = nextLateNotice(state, config);
  if (due === null || today <= due) return null;
  const daysLate = daysBetween(state.firstPromisedBy, today);
  const byDays = tierFor(daysLate, config);
  const told = state.lateTier;
  const tier = told && TIER_RANK[told] > TIER_RANK[byDays] ? told : byDays;
  const consent = state.consentBy === null && daysLate > config.consentAfterTotalDays;
  if (!consent && told !== null && TIER_RANK[tier] <= TIER_RANK[told]) return null;
  return {
    tier,
    consentBy: consent ? addDays(today, config.unknownConsentDays) : null,
    occasion: consent ? "late-consent" : `late-${tier}`,
    daysLate,
  };
}
