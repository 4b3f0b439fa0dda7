import { GetExecutionHistoryCommand, type HistoryEvent } from "@aws-sdk/client-sfn";
import type { RunEvent } from "../domain/timeline.ts";
import type { RunHistory } from "../ports/lookup.ts";
import { LINE_CHANGED } from "../workflow/errors.ts";
import { LINE_STATES } from "../workflow/states.ts";
import { sfn } from "./aws-clients.ts";
import { executionArn, isMissingExecution } from "./sfn-line-workflow.ts";

/** Events read of one execution at most (pages of 1000): a line's run has far fewer. */
const MAX_PAGES = 3;

const ENDED = {
  ExecutionSucceeded: "SUCCEEDED",
  ExecutionFailed: "FAILED",
  ExecutionTimedOut: "TIMED_OUT",
  ExecutionAborted: "ABORTED",
} as const;

function parse(json: string | undefined): Record<string, unknown> {
  try {
    const value: unknown = JSON.parse(json ?? "null");
    return value && typeof value === "object" ? (value as Record<string, unknown>) : {};
  } catch {
    return {};
  }
}

const field = (value: unknown, key: string): unknown =>
  value && typeof value === "object" ? (value as Record<string, unknown>)[key] : undefined;

const errorOf = (e: HistoryEvent): string | undefined =>
  (
    e.taskFailedEventDetails ??
    e.lambdaFunctionFailedEventDetails ??
    e.taskTimedOutEventDetails ??
    e.lambdaFunctionTimedOutEventDetails ??
    e.taskSubmitFailedEventDetails ??
    e.taskStartFailedEventDetails ??
    e.lambdaFunctionStartFailedEventDetails ??
    e.lambdaFunctionScheduleFailedEventDetails
  )?.error ?? undefined;

/**
 * Reads a line machine execution's history (GetExecutionHistory, in pages) in the
 * machine's terms: the line parked on a wait (ParkLine entered: `$.step.wait` and
 * `$.step.waitSeconds`), woke (its task's output `{reason}`; `timer` when its time was up;
 * `line-changed` when told so), waited for a turn at a rate (WaitForTurn), a step failed
 * (and was retried or caught), the run started and ended.
 */
export function interpretRun(
  execution: string,
  events: readonly HistoryEvent[],
  { fromMidway = false } = {},
): RunEvent[] {
  const out: RunEvent[] = [];
  // Read from its middle (its oldest events left out), the run may be parked already.
  let parked = fromMidway;
  for (const e of events) {
    const at = (e.timestamp ?? new Date(0)).toISOString();
    const entered = e.stateEnteredEventDetails;
    if (e.type === "ExecutionStarted") {
      out.push({ at, kind: "run_started", execution });
    } else if (e.type && e.type in ENDED) {
      out.push({ at, kind: "run_ended", execution, status: ENDED[e.type as keyof typeof ENDED] });
    } else if (entered?.name === LINE_STATES.park) {
      const step = field(parse(entered.input), "step");
      const seconds = field(step, "waitSeconds");
      out.push({
        at,
        kind: "parked",
        wait: String(field(step, "wait") ?? "unknown"),
        seconds: typeof seconds === "number" ? seconds : null,
      });
      parked = true;
    } else if (entered?.name === LINE_STATES.turn) {
      const seconds = field(field(parse(entered.input), "step"), "waitSeconds");
      out.push({ at, kind: "rate_wait", seconds: typeof seconds === "number" ? seconds : 0 });
    } else if (parked && e.stateExitedEventDetails?.name === LINE_STATES.park) {
      const output = parse(e.stateExitedEventDetails.output);
      const reason = field(field(output, "resume"), "reason");
      out.push({ at, kind: "woken", reason: typeof reason === "string" ? reason : "resumed" });
      parked = false;
    } else if (errorOf(e) !== undefined) {
      const error = errorOf(e) as string;
      // The parked task ends by an error when its time is up or the line changed under it.
      if (parked && (error === "States.Timeout" || error === LINE_CHANGED)) {
        out.push({ at, kind: "woken", reason: error === LINE_CHANGED ? "line-changed" : "timer" });
        parked = false;
      } else {
        // Tries of a step that fail alike in a row (a rate's turns, a throttle) are one event.
        const last = out.at(-1);
        if (last?.kind === "step_failed" && last.error === error) last.times += 1;
        else out.push({ at, kind: "step_failed", error, times: 1 });
      }
    }
  }
  return out;
}

/**
 * A run's events, newest first in pages of 1000 (GetExecutionHistory `reverseOrder`), at most
 * MAX_PAGES: a longer run keeps its latest events (what an operator looks for) and says it
 * was read only in part.
 */
export const sfnRunHistory: RunHistory = {
  async runEvents(execution) {
    const newestFirst: HistoryEvent[] = [];
    let nextToken: string | undefined;
    let pages = 0;
    try {
      do {
        const out = await sfn().send(
          new GetExecutionHistoryCommand({
            executionArn: executionArn(execution),
            maxResults: 1000,
            reverseOrder: true,
            ...(nextToken ? { nextToken } : {}),
          }),
        );
        newestFirst.push(...(out.events ?? []));
        nextToken = out.nextToken;
        pages += 1;
      } while (nextToken && pages < MAX_PAGES);
    } catch (error) {
      if (isMissingExecution(error)) return null;
      throw error;
    }
    const truncated = nextToken !== undefined;
    const events = interpretRun(execution, newestFirst.reverse(), { fromMidway: truncated });
    return { events, truncated };
  },
};
