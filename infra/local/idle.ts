/** What the local stack is doing right now. */
export interface Activity {
  /** Lambda invocations in flight (HTTP requests, Step Functions tasks, schedules). */
  lambdasInFlight: number;
  /** Lambda invocations started so far. */
  lambdasStarted: number;
  /** Virtual-clock timers that are due but have not finished firing. */
  dueTimers: number;
  /** Executions running. */
  executionsRunning: number;
  /** Executions parked on a task token (waiting for SendTask*). */
  executionsParked: number;
  /** Events on the local bus not delivered yet (queued, in flight, or backing off). */
  deliveriesPending: number;
}

export interface IdleResult {
  idle: boolean;
  waitedMs: number;
  activity: Activity;
}

/**
 * Busy while a Lambda invocation, an event delivery or a due timer is in flight, or while an execution is
 * running that is not parked on a task token (between states, in a task, in a retry's
 * back-off). An execution parked on a token, and a timer set for a later time, are idle:
 * nothing happens until someone calls or the clock is advanced. (The line workflow parks
 * one task per execution; a machine with Wait states or parallel branches would need more
 * than these counts.)
 */
export function isBusy(a: Activity): boolean {
  return (
    a.lambdasInFlight > 0 ||
    a.deliveriesPending > 0 ||
    a.dueTimers > 0 ||
    a.executionsRunning > a.executionsParked
  );
}

/**
 * Resolves once the stack has been idle for `quietMs` in a row (nothing started in
 * between), or after `timeoutMs` with `idle: false`.
 */
export async function waitUntilIdle(
  activity: () => Activity,
  { timeoutMs = 30_000, quietMs = 30, intervalMs = 5 } = {},
): Promise<IdleResult> {
  const started = Date.now();
  let quietSince: number | undefined;
  let mark = "";
  for (;;) {
    const now = activity();
    const nowMark = `${now.lambdasStarted}:${now.executionsRunning}:${now.executionsParked}`;
    if (isBusy(now) || nowMark !== mark) {
      quietSince = undefined;
      mark = nowMark;
    }
    if (!isBusy(now)) {
      quietSince ??= Date.now();
      if (Date.now() - quietSince >= quietMs) {
        return { idle: true, waitedMs: Date.now() - started, activity: now };
      }
    }
    if (Date.now() - started >= timeoutMs) {
      return { idle: false, waitedMs: Date.now() - started, activity: now };
    }
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}
