import type { RateLimiter, RateName } from "../ports/rates.ts";
import { RateLimitedError } from "../workflow/errors.ts";

/**
 * For a workflow step: takes `n` tokens of a rate, or fails the step with RateLimited (the
 * machine retries it later, with back-off and jitter). Nothing was done yet when it throws.
 * It does not wait: a Lambda sleeping for its turn is paid for, and many of them polling
 * one bucket slow every taker down.
 */
export async function takeOrThrow(rates: RateLimiter, name: RateName, n = 1): Promise<void> {
  const take = await rates.take(name, n);
  if (!take.granted) {
    throw new RateLimitedError(`the ${name} rate is used up; ${take.retryInMs} ms to the next`);
  }
}

/**
 * Takes `n` tokens of a rate, waiting for them until `until` (epoch ms, real time); false
 * when they would come later than that (the caller leaves the work to a later run).
 */
export async function takeWithin(
  rates: RateLimiter,
  name: RateName,
  n: number,
  until: number,
): Promise<boolean> {
  for (;;) {
    const take = await rates.take(name, n);
    if (take.granted) return true;
    // Several waiters for one bucket: spread them over the wait, not all at its end.
    const wait = take.retryInMs + Math.random() * take.retryInMs;
    if (Date.now() + wait > until) return false;
    await new Promise((resolve) => setTimeout(resolve, wait));
  }
}
