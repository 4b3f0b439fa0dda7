/** What an attempt returns when its write lost a race to a concurrent one. */
export const RACE_LOST = Symbol("race lost");
export type RaceLost = typeof RACE_LOST;

export interface RetryOptions {
  /** Attempts before giving up (an error: the caller's request fails and may be retried). */
  attempts?: number;
  /** Base of the jittered backoff between attempts, in milliseconds. */
  backoffMs?: number;
}

/**
 * Runs `attempt` until it does not lose a race: each attempt reads afresh, decides, and
 * writes conditioned on what it read; a write that finds the world changed returns
 * RACE_LOST and the next attempt, after a jittered backoff, reads again. The one loop for
 * every read-decide-write in the services.
 */
export async function retryOnRace<T>(
  what: string,
  attempt: (n: number) => Promise<T | RaceLost>,
  { attempts = 8, backoffMs = 10 }: RetryOptions = {},
): Promise<T> {
  for (let n = 1; n <= attempts; n++) {
    const result = await attempt(n);
    if (result !== RACE_LOST) return result;
    if (n < attempts) {
      const cap = backoffMs * 2 ** Math.min(n, 6);
      await new Promise((resolve) => setTimeout(resolve, Math.random() * cap));
    }
  }
  throw new Error(`${what}: it kept changing under us, gave up after ${attempts} attempts`);
}
