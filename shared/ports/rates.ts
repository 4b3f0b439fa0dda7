/** Side effects whose rate is governed across every Lambda instance (contract: big days):
 * payment provider calls (charges and refunds), emails, wake-ups (SendTaskSuccess) and
 * execution starts (StartExecution). */
export const RATE_NAMES = ["payments", "emails", "wakes", "starts"] as const;
export type RateName = (typeof RATE_NAMES)[number];

export type Take = { granted: true } | { granted: false; retryInMs: number };

/** A reserved turn at a rate: the side effect may happen at `at` (epoch ms, real time). */
export interface Turn {
  rate: RateName;
  at: number;
}

/**
 * Rates shared by every instance (one item each in the table). A caller either takes its
 * tokens now, or reserves the next free turn and comes back then: turns are handed out in
 * order, so a queue of takers drains at the rate itself, with no retries wasted on a bucket
 * that is empty. Turns are spaced evenly: no second holds more than the rate.
 */
export interface RateLimiter {
  /** Takes `n` now, or says how long until there will be enough. `n` must not exceed the
   * rate's tokens per second. */
  take(name: RateName, n?: number): Promise<Take>;
  /**
   * Reserves `n` at the next free turn if it comes within `horizonMs`: the turn's time
   * (now or later; the caller must not act before it), or null (nothing reserved).
   */
  reserve(name: RateName, n: number, horizonMs: number): Promise<Turn | null>;
  /** The configured tokens per second (Infinity when the rate is off). */
  perSecond(name: RateName): number;
}
