import { endOfDay, type IsoDate } from "./dates.ts";

export interface EscalationConfig {
  /** Days a waiting line may go without any email before it gets a check-in. */
  checkInAfterSilentDays: number;
}

export const DEFAULT_ESCALATION: EscalationConfig = { checkInAfterSilentDays: 14 };

export type EscalationKind = "promise_passed" | "check_in";

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
}

/**
 * The next moment a waiting line needs attention: the end of its promised ship-by day
 * (once), then a check-in after the configured number of silent days.
 */
export function nextEscalation(
  line: WaitingLineView,
  config: EscalationConfig = DEFAULT_ESCALATION,
): EscalationPoint {
  const checkIn: EscalationPoint = {
    kind: "check_in",
    at: new Date(line.lastContactAt.getTime() + config.checkInAfterSilentDays * 86_400_000),
  };
  if (line.promiseEscalated) return checkIn;
  const promise: EscalationPoint = { kind: "promise_passed", at: endOfDay(line.promisedBy) };
  return promise.at <= checkIn.at ? promise : checkIn;
}

/** Whole seconds from `now` until `at`, at least 1 (a task timeout must be positive). */
export function secondsUntil(at: Date, now: Date): number {
  return Math.max(1, Math.ceil((at.getTime() - now.getTime()) / 1000));
}
