import type { Line } from "../domain/model.ts";
import { describeError } from "../log-redaction.ts";
import { logger } from "../logger.ts";
import type { AppPorts } from "../ports/app.ts";
import type { LiveLine } from "../ports/live-lines.ts";
import type { ExecutionStatus } from "../ports/workflow.ts";
import { type ExecutionStoppedEvent, lineRunInputSchema } from "../workflow/execution-events.ts";

export type RestartDeps = Pick<
  AppPorts,
  "orders" | "waits" | "liveLines" | "workflowAdmin" | "settings"
>;

/**
 * A line execution that is not running: one Step Functions reported stopped (FAILED,
 * TIMED_OUT, ABORTED), one the backstop found ended, or one that was never started.
 */
export interface StoppedRun {
  orderId: string;
  lineId: string;
  /** The execution's name. */
  name: string;
  status: Exclude<ExecutionStatus, "RUNNING" | "PENDING_REDRIVE"> | "NOT_STARTED";
}

/**
 * `restarted`: a new execution runs the line; `started`: its execution, never started,
 * runs now; `superseded`: the line runs on another execution; `done`: nothing is left to
 * run; `no-line`: there is no such line; `left-for-operator`: it failed too often;
 * `raced`: another restart of the same run recorded first (its start was the same).
 */
export type RestartOutcome =
  | "restarted"
  | "started"
  | "superseded"
  | "done"
  | "no-line"
  | "left-for-operator"
  | "raced";

/** Cancelled with no charge in flight: nothing is owed (a delivered line may still owe its
 * delivered email, a cancelled one the settling of a charge a cancel caught in flight). */
function isDone(line: Line): boolean {
  return line.status === "cancelled" && !line.chargingAttempt;
}

/**
 * Restarts a line whose execution stopped (a bug, an outage, a stack stopped mid-flow, an
 * operator's StopExecution): a new execution `<lineId>-r<n>` enters the machine at the
 * line's persisted status, and every step is idempotent, so nothing is charged, sent or
 * shipped twice. Only the line's current execution counts: a stopped run the line has
 * moved on from is ignored, so a repeated report of the same stop (at-least-once events,
 * the backstop beside them) starts nothing more; two at once start the same name, which
 * Step Functions runs once. An execution that was never started is started under its own
 * name. Aborts are no sign of a fault: only failures and timeouts count toward leaving
 * the line to an operator.
 */
export async function restartStoppedRun(
  deps: RestartDeps,
  run: StoppedRun,
): Promise<RestartOutcome> {
  const line = await deps.orders.getLine(run.orderId, run.lineId);
  if (!line) return "no-line";
  if (isDone(line)) {
    await deps.liveLines.finished(line.orderId, line.lineId);
    return "done";
  }
  const current = line.executionName ?? line.lineId;
  if (run.name !== current) return "superseded";
  if (run.status === "NOT_STARTED") {
    await deps.workflowAdmin.startNamed(
      {
        orderId: line.orderId,
        lineId: line.lineId,
        // As intake starts a backordered line: its first step makes sure of the email.
        ...(current === line.lineId && line.status === "backordered"
          ? { notify: "backordered" as const }
          : {}),
      },
      current,
    );
    return "started";
  }
  const restarts = (line.executionRestarts ?? 0) + 1;
  const fault = run.status === "FAILED" || run.status === "TIMED_OUT";
  const failures = (line.executionFailures ?? 0) + (fault ? 1 : 0);
  if (failures > deps.settings.maxExecutionRestarts) {
    logger.error("line execution keeps stopping; left for an operator", {
      orderId: line.orderId,
      lineId: line.lineId,
      execution: run.name,
      status: run.status,
      failures: failures - 1,
    });
    return "left-for-operator";
  }
  const name = `${line.lineId}-r${restarts}`;
  await deps.workflowAdmin.startNamed({ orderId: line.orderId, lineId: line.lineId }, name);
  const recorded = await deps.waits.recordExecutionRestart(line, current, name, {
    restarts,
    failures,
  });
  return recorded ? "restarted" : "raced";
}

/**
 * The event path: Step Functions reported that an execution stopped. One of another
 * machine, or whose input names no line, is logged and ignored (redelivering it could not
 * help; the backstop still watches every line).
 */
export async function restartOnStoppedEvent(
  deps: RestartDeps,
  event: ExecutionStoppedEvent,
  lineMachineArn: string,
): Promise<RestartOutcome | "ignored"> {
  const { detail } = event;
  if (detail.stateMachineArn !== lineMachineArn) {
    logger.warn("stopped execution of another state machine ignored", {
      stateMachineArn: detail.stateMachineArn,
    });
    return "ignored";
  }
  const input = lineRunInputSchema.safeParse(parseJson(detail.input));
  if (!input.success) {
    logger.error("stopped execution without a line in its input ignored", {
      executionArn: detail.executionArn,
    });
    return "ignored";
  }
  const outcome = await restartStoppedRun(deps, {
    ...input.data,
    name: detail.name,
    status: detail.status,
  });
  logger.info("stopped line execution handled", {
    ...input.data,
    execution: detail.name,
    status: detail.status,
    outcome,
  });
  return outcome;
}

function parseJson(text: string | null | undefined): unknown {
  try {
    return text ? JSON.parse(text) : null;
  } catch {
    return null;
  }
}

export type SweepDeps = RestartDeps & Pick<AppPorts, "clock">;

export interface SweepOptions {
  /** Milliseconds this run may still take: the sweep stops in time, and the next run goes
   * on from where it stopped. */
  timeLeftMs?: () => number;
}

export interface SweepResult {
  /** Live lines looked at. */
  checked: number;
  /** Lines started or restarted. */
  restarted: string[];
  /** Lines whose check failed (they are looked at again by the next sweep). */
  errors: number;
  /** False when it ran out of time; the next sweep goes on from there. */
  complete: boolean;
}

/** DescribeExecution calls in flight at once (its quota is a few per second, shared). */
export const DESCRIBE_CONCURRENCY = 4;
/** Time kept in hand when a sweep stops short. */
const STOP_WITH_MS_LEFT = 20_000;

/**
 * The backstop beside the event-driven restart (`restartStoppedRun` on each "execution
 * stopped" event): walks every line whose execution has not finished (the live-lines
 * index, every shard, every page; no cap, no lookback) and asks Step Functions about its
 * current execution. One that does not exist, or stopped more than the grace period ago
 * (the event had its chance), is restarted as its event would have. One still running is
 * left alone. A sweep that runs out of time saves where it stopped and the next goes on.
 */
export async function sweepLiveLines(
  deps: SweepDeps,
  { timeLeftMs = () => Number.POSITIVE_INFINITY }: SweepOptions = {},
): Promise<SweepResult> {
  const result: SweepResult = { checked: 0, restarted: [], errors: 0, complete: false };
  const graceMs = deps.settings.restartGraceMinutes * 60_000;
  const startAt = (await deps.liveLines.sweepPosition()) ?? { shard: 0, cursor: null };
  for (let shard = startAt.shard; shard < deps.liveLines.shards; shard++) {
    let cursor = shard === startAt.shard ? startAt.cursor : null;
    do {
      if (timeLeftMs() < STOP_WITH_MS_LEFT) {
        await deps.liveLines.saveSweepPosition({ shard, cursor });
        return result;
      }
      const page = await deps.liveLines.liveLines(shard, cursor);
      await forEachLimited(page.lines, DESCRIBE_CONCURRENCY, async (live) => {
        result.checked++;
        try {
          const outcome = await checkLiveLine(deps, live, graceMs);
          if (outcome === "restarted" || outcome === "started") result.restarted.push(live.lineId);
        } catch (error) {
          result.errors++;
          logger.warn("could not check a live line; the next sweep looks again", {
            orderId: live.orderId,
            lineId: live.lineId,
            error: describeError(error),
          });
        }
      });
      cursor = page.next;
    } while (cursor);
  }
  await deps.liveLines.saveSweepPosition(null);
  result.complete = true;
  return result;
}

async function checkLiveLine(
  deps: SweepDeps,
  live: LiveLine,
  graceMs: number,
): Promise<RestartOutcome | "running" | "recent"> {
  const name = live.executionName ?? live.lineId;
  const state = await deps.workflowAdmin.describe(name);
  const now = deps.clock.now().getTime();
  const run = { orderId: live.orderId, lineId: live.lineId, name };
  if (!state) {
    // Its start may be on its way (intake, allocation start it right after the write).
    if (now - Date.parse(live.createdAt) < graceMs) return "recent";
    return restartStoppedRun(deps, { ...run, status: "NOT_STARTED" });
  }
  if (state.status === "RUNNING" || state.status === "PENDING_REDRIVE") return "running";
  if (state.stoppedAt && now - state.stoppedAt.getTime() < graceMs) return "recent";
  return restartStoppedRun(deps, { ...run, status: state.status });
}

/** Runs `each` over `items`, at most `limit` at a time. */
async function forEachLimited<T>(
  items: readonly T[],
  limit: number,
  each: (item: T) => Promise<void>,
): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const item = items[next++] as T;
      await each(item);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
}
