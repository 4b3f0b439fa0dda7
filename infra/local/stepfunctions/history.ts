/**
 * Execution history as AWS's GetExecutionHistory shapes it. The execution reports its start
 * and end; state, task and Map iteration events are translated from the event log of
 * aws-local-stepfunctions.
 */
import type { StateMachine } from "aws-local-stepfunctions";
import type { VirtualClock } from "../clock.ts";
import { LAMBDA_ARN, type StateInfo, type TaskInfo } from "./definition.ts";

export interface HistoryEvent {
  id: number;
  previousEventId: number;
  /** Epoch milliseconds on the virtual clock. */
  timestamp: number;
  type: string;
  [details: string]: unknown;
}

type LibraryRun = ReturnType<StateMachine["run"]>;
/** One entry of the library's event log. */
export type LibraryEvent = LibraryRun["eventLogs"] extends AsyncGenerator<infer E> ? E : never;

export interface HistoryHost {
  readonly clock: VirtualClock;
  readonly region: string;
  log(entry: Record<string, unknown>): void;
  /** Something happened to an execution; `persist` asks for its record to be saved now. */
  changed(executionArn: string, persist: boolean): void;
}

/** Appends an event of `type` to `events`, numbered after the last one. */
export function appendEvent(
  events: HistoryEvent[],
  type: string,
  details: Record<string, unknown>,
  timestamp: number,
): void {
  const id = events.length + 1;
  events.push({ ...details, id, previousEventId: id - 1, timestamp, type });
}

function stringify(value: unknown): string {
  return JSON.stringify(value ?? null);
}

/** The history of one execution, written into its record's `events`. */
export class ExecutionHistory {
  /** States (name#Map index) whose last attempt failed: their exit is no task success. */
  private readonly failedStates = new Set<string>();

  constructor(
    private readonly host: HistoryHost,
    private readonly executionArn: string,
    private readonly events: HistoryEvent[],
    private readonly states: ReadonlyMap<string, StateInfo>,
  ) {}

  executionStarted(input: string, roleArn: string): void {
    this.push("ExecutionStarted", {
      executionStartedEventDetails: { input, inputDetails: { truncated: false }, roleArn },
    });
  }

  executionSucceeded(output: string): void {
    this.push("ExecutionSucceeded", {
      executionSucceededEventDetails: { output, outputDetails: { truncated: false } },
    });
  }

  executionFailed(error: string, cause: string): void {
    this.push("ExecutionFailed", { executionFailedEventDetails: { error, cause } });
  }

  /** The execution was stopped: aborted, or timed out (TimeoutSeconds). */
  executionStopped(timedOut: boolean, error: string | undefined, cause: string | undefined): void {
    const type = timedOut ? "ExecutionTimedOut" : "ExecutionAborted";
    const key = timedOut ? "executionTimedOutEventDetails" : "executionAbortedEventDetails";
    this.push(type, { [key]: { error, cause } });
  }

  /** Adds the AWS events for one library event (none for Execution* and Parallel branch ones). */
  onLibraryEvent(event: LibraryEvent): void {
    if (!("state" in event)) {
      if (
        event.type === "MapIterationStarted" ||
        event.type === "MapIterationSucceeded" ||
        event.type === "MapIterationFailed"
      ) {
        const details = `${event.type[0]?.toLowerCase()}${event.type.slice(1)}EventDetails`;
        this.push(event.type, { [details]: { name: event.parentState.name, index: event.index } });
      }
      return; // Execution* events come from the execution; Parallel branch events are skipped.
    }
    const { name } = event.state;
    const info = this.states.get(name);
    const type = info?.type ?? event.state.type;
    const task = info?.task;
    const key = `${name}#${event.index ?? ""}`;
    switch (event.type) {
      case "StateEntered":
        this.failedStates.delete(key);
        this.push(`${type}StateEntered`, {
          stateEnteredEventDetails: { name, input: stringify(event.state.input) },
        });
        if (task) this.pushTask(task, "Scheduled", {});
        break;
      case "StateRetried":
        this.failedStates.delete(key);
        if (task) this.pushTask(task, "Scheduled", {});
        break;
      case "StateFailed":
        this.failedStates.add(key);
        if (task) {
          const cause = typeof event.Cause === "string" ? event.Cause : stringify(event.Cause);
          const outcome = event.Error === "States.Timeout" ? "TimedOut" : "Failed";
          this.pushTask(task, outcome, { error: event.Error, cause });
        }
        break;
      case "StateExited": {
        const output = stringify(event.state.output);
        if (task && !this.failedStates.has(key)) this.pushTask(task, "Succeeded", { output });
        this.failedStates.delete(key);
        this.push(`${type}StateExited`, { stateExitedEventDetails: { name, output } });
        break;
      }
      default:
        break; // StateCaught has no AWS history event of its own.
    }
  }

  /** LambdaFunction* events for a Lambda ARN resource, Task* events for a service integration. */
  private pushTask(task: TaskInfo, outcome: string, details: Record<string, unknown>): void {
    if (LAMBDA_ARN.test(task.resource)) {
      const type = `LambdaFunction${outcome}`;
      const extra = outcome === "Scheduled" ? { resource: task.resource } : {};
      this.push(type, { [`lambdaFunction${outcome}EventDetails`]: { ...extra, ...details } });
      return;
    }
    const service = task.resource.split(":::")[1] ?? task.resource;
    const colon = service.indexOf(":");
    const resourceType = colon < 0 ? service : service.slice(0, colon);
    const resource = colon < 0 ? "" : service.slice(colon + 1);
    const extra = outcome === "Scheduled" ? { region: this.host.region, parameters: "{}" } : {};
    this.push(`Task${outcome}`, {
      [`task${outcome}EventDetails`]: { resourceType, resource, ...extra, ...details },
    });
  }

  private push(type: string, details: Record<string, unknown>): void {
    appendEvent(this.events, type, details, this.host.clock.nowMs());
    const stateName = (details.stateEnteredEventDetails as { name?: string } | undefined)?.name;
    this.host.log({
      msg: "execution event",
      executionArn: this.executionArn,
      type,
      ...(stateName === undefined ? {} : { state: stateName }),
    });
    this.host.changed(this.executionArn, false);
  }
}
