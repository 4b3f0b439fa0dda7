/** Side effects whose rate is governed across every Lambda instance (contract: big days). */
export const RATE_NAMES = ["payments", "emails", "wakes"] as const;
export type RateName = (typeof RATE_NAMES)[number];

export type Take = { granted: true } | { granted: false; retryInMs: number };

/**
 * Token buckets shared by every instance (one item each in the table): a call takes its
 * tokens before it touches the provider, or learns how long until there will be enough.
 * Each bucket holds a second's worth and refills at its configured rate.
 */
export interface RateLimiter {
  /** `n` must not exceed the rate's tokens per second (a bucket holds no more). */
  take(name: RateName, n?: number): Promise<Take>;
  /** The configured tokens per second (Infinity when the rate is off). */
  perSecond(name: RateName): number;
}
