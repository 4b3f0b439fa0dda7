/**
 * When a Task state's next retry starts. aws-local-stepfunctions decides whether a failed
 * task is retried (Retry: ErrorEquals, MaxAttempts), but it would wait with a real-time
 * setTimeout; the engine has it retry at once (an interval override of 0) and holds the
 * next attempt back on the virtual clock for the interval computed here, so back-offs
 * follow `clock.advance()` like every other timer. The rules mirror the library's (and
 * AWS's): the first retrier whose ErrorEquals matches decides; its interval grows by
 * BackoffRate per attempt, is capped by MaxDelaySeconds, and with JitterStrategy FULL is a
 * random time up to that.
 */

export interface Retrier {
  ErrorEquals: string[];
  IntervalSeconds?: number;
  MaxAttempts?: number;
  BackoffRate?: number;
  MaxDelaySeconds?: number;
  JitterStrategy?: "FULL" | "NONE";
}

/** The library's defaults (the same as AWS's). */
const DEFAULTS = { IntervalSeconds: 1, MaxAttempts: 3, BackoffRate: 2 } as const;

/** An error as the library matches it: by name; `isRetryable: false` skips every Retry. */
export interface RetriedError {
  name?: string;
  isRetryable?: boolean;
}

/**
 * The delay in milliseconds before the retry of a task that failed with `error`, or null
 * when it is not retried. `attempts` (one count per retrier, for the state's current entry)
 * is updated as the library updates its own.
 */
export function nextRetryDelayMs(
  retriers: readonly Retrier[],
  attempts: number[],
  error: RetriedError,
  random: () => number = Math.random,
): number | null {
  if (error.isRetryable === false) return null;
  for (let i = 0; i < retriers.length; i++) {
    const retrier = retriers[i] as Retrier;
    // The library lets States.TaskFailed match every error a local handler raises (also a
    // timeout: only its own timeout class is told apart), so the rule here does the same.
    const matches = retrier.ErrorEquals.some(
      (name) => name === error.name || name === "States.ALL" || name === "States.TaskFailed",
    );
    if (!matches) continue;
    const done = attempts[i] ?? 0;
    if (done >= (retrier.MaxAttempts ?? DEFAULTS.MaxAttempts)) return null;
    attempts[i] = done + 1;
    const interval =
      (retrier.IntervalSeconds ?? DEFAULTS.IntervalSeconds) *
      (retrier.BackoffRate ?? DEFAULTS.BackoffRate) ** done;
    const capped =
      retrier.MaxDelaySeconds === undefined
        ? interval
        : Math.min(interval, retrier.MaxDelaySeconds);
    const ms = capped * 1000;
    return retrier.JitterStrategy === "FULL" ? Math.floor(random() * (ms + 1)) : ms;
  }
  return null;
}
