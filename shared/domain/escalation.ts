import { endOfDay, type IsoDate } from "./dates.ts";

export interface EscalationConfig {
  /** Days a waiting line may go without any email before it gets a check-in. */
  checkInAfterSilentDays: number;
}

export const DEFAULT_ESCALATION: EscalationConfig = { checkInAfterSilentDays: 14 };

export type EscalationKind = "consent_due" | "promise_passed" | "check_in";

export interface EscalationPoint {
  kind: EscalationKind;
  at: Date;
}

export interface WaitingLineView {
  promisedBy: IsoDate;
  /** When the customer was last emailed about this line (or when it was created). */
  lastContactAt: Date;
  /** Whether the passing of `promisedBy` has already been handled. */
  promiseEscalated: boolean;
  /** A consent the customer owes (FTC rule) and has not given: the day it is due by. */
  consentPendingBy?: IsoDate | null;
}

/**
 * The next moment a waiting line needs attention: the end of the day a pending consent
 * was due, the end of its promised ship-by day (once per promise), or a check-in after
 * the configured number of silent days, whichever comes first (in that order on a tie).
 */
export function nextEscalation(
  line: WaitingLineView,
  config: EscalationConfig = DEFAULT_ESCALATION,
): EscalationPoint {
  const checkIn: EscalationPoint = {
    kind: "check_in",
    at: new Date(line.lastContactAt.getTime() + config.checkInAfterSilentDays * 86_400_000),
  };
  const points: EscalationPoint[] = [];
  if (line.consentPendingBy) {
    points.push({ kind: "consent_due", at: endOfDay(line.consentPendingBy) });
  }
  if (!line.promiseEscalated) {
    points.push({ kind: "promise_passed", at: endOfDay(line.promisedBy) });
  }
  points.push(checkIn);
  return points.reduce((first, p) => (p.at < first.at ? p : first));
}

/** Whole seconds from `now` until `at`, at least 1 (a task timeout must be positive). */
export function secondsUntil(at: Date, now: Date): number {
  return Math.max(1, Math.ceil((at.getTime() - now.getTime()) / 1000));
}
