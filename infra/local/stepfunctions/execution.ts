import type { RunOptions, StateMachine } from "aws-local-stepfunctions";
import type { VirtualClock } from "../clock.ts";
import {
  CONTEXT,
  type Json,
  type JsonObject,
  LAMBDA_ARN,
  type PreparedDefinition,
  type StateInfo,
  type TaskInfo,
  type WaitInfo,
  WRAP,
} from "./definition.ts";
import { stateError } from "./errors.ts";
import { ExecutionHistory, type HistoryHost, type LibraryEvent } from "./history.ts";
import type { ExecutionRecord } from "./records.ts";
import { nextRetryDelayMs } from "./retry.ts";
import type { TaskTokens, TokenWaiter } from "./tokens.ts";

export interface CompiledMachine {
  arn: string;
  name: string;
  definition: Record<string, unknown>;
  prepared: PreparedDefinition;
  runner: StateMachine;
  createdMs: number;
}

export interface ExecutionHost extends HistoryHost {
  readonly tokens: TaskTokens;
  readonly accountId: string;
  invokeLambda(functionArn: string, payload: unknown): Promise<unknown>;
  lambdaCalls(delta: 1 | -1): void;
  /** The execution has ended (its record is final); called before it counts as done. */
  ended(record: ExecutionRecord): void;
}

type Overrides = NonNullable<RunOptions["overrides"]>;
type TaskHandlers = NonNullable<Overrides["taskResourceLocalHandlers"]>;
type TaskHandler = TaskHandlers[string];
type LibraryRun = ReturnType<StateMachine["run"]>;
type Outcome = { ok: true; value: unknown } | { ok: false; error: unknown };

const LAMBDA_INVOKE = /^arn:aws[a-z-]*:states:::lambda:invoke$/;
const LAMBDA_INVOKE_WAIT = /^arn:aws[a-z-]*:states:::lambda:invoke\.waitForTaskToken$/;

function isObject(value: unknown): value is JsonObject {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function toJson(value: unknown): Json {
  if (value === undefined) return null;
  return JSON.parse(JSON.stringify(value)) as Json;
}

function runtimeError(message: string): Error {
  return stateError("States.Runtime", message, { fatal: true });
}

function stoppedError(): Error {
  return stateError("Local.ExecutionStopped", "The execution is no longer running", {
    fatal: true,
  });
}

/** One run of a Task or Wait state: settles once, then cancels its timers and closes its token. */
class Attempt {
  readonly promise: Promise<Json>;
  settled = false;
  token: string | undefined;
  private resolve!: (value: Json) => void;
  private reject!: (error: Error) => void;
  private readonly timers = new Map<string, () => void>();

  constructor(
    private readonly clock: VirtualClock,
    private readonly onSettled: (attempt: Attempt) => void,
  ) {
    this.promise = new Promise<Json>((resolve, reject) => {
      this.resolve = resolve;
      this.reject = reject;
    });
  }

  /** (Re)arms the timer named `key` to fire `fire` when the virtual clock reaches `atMs`. */
  at(key: string, atMs: number, fire: () => void): void {
    this.timers.get(key)?.();
    if (this.settled) return;
    this.timers.set(key, this.clock.schedule(atMs, fire));
  }

  succeed(value: Json): void {
    if (this.finish()) this.resolve(value);
  }

  fail(error: Error): void {
    if (this.finish()) this.reject(error);
  }

  private finish(): boolean {
    if (this.settled) return false;
    this.settled = true;
    for (const cancel of this.timers.values()) cancel();
    this.timers.clear();
    this.onSettled(this);
    return true;
  }
}

/** One execution: runs the prepared definition through aws-local-stepfunctions, serving its
 * Task and Wait states locally, and keeps the record and its history up to date. */
export class Execution {
  readonly done: Promise<void>;
  private resolveDone!: () => void;
  private readonly history: ExecutionHistory;
  private readonly attempts = new Set<Attempt>();
  private cancelExecutionTimeout: (() => void) | undefined;
  private pendingToken: string | undefined;
  private abortRun: (() => void) | undefined;
  /** Task states in a retry: their retriers' attempts in this entry of the state, and when
   * (virtual clock) the next attempt may start. Keyed by state name: a Map state running the
   * same task in parallel iterations would share one (the line machine has none). */
  private readonly retrying = new Map<string, { attempts: number[]; dueMs: number }>();

  constructor(
    private readonly host: ExecutionHost,
    private readonly machine: CompiledMachine,
    readonly record: ExecutionRecord,
  ) {
    this.done = new Promise<void>((resolve) => {
      this.resolveDone = resolve;
    });
    this.history = new ExecutionHistory(
      host,
      record.executionArn,
      record.events,
      machine.prepared.states,
    );
  }

  start(): void {
    const record = this.record;
    this.history.executionStarted(record.input, this.roleArn());
    this.host.log({ msg: "execution started", executionArn: record.executionArn });
    const timeout = this.machine.prepared.executionTimeoutSeconds;
    if (timeout !== undefined) {
      this.cancelExecutionTimeout = this.host.clock.schedule(
        record.startDate + timeout * 1000,
        () =>
          this.stop(
            "TIMED_OUT",
            "States.Timeout",
            `Execution exceeded TimeoutSeconds (${timeout})`,
          ),
      );
    }
    let run: LibraryRun;
    try {
      const input = JSON.parse(record.input) as Json;
      run = this.machine.runner.run(input as never, {
        noThrowOnAbort: true,
        context: this.context(input),
        overrides: {
          taskResourceLocalHandlers: this.handlers(),
          retryIntervalOverrides: this.retryAtOnce(),
        },
      });
    } catch (error) {
      this.finish({ ok: false, error });
      return;
    }
    this.abortRun = run.abort;
    const drained = this.consume(run.eventLogs);
    void run.result
      .then(
        (value): Outcome => ({ ok: true, value }),
        (error: unknown): Outcome => ({ ok: false, error }),
      )
      .then(async (outcome) => {
        await drained;
        this.finish(outcome);
      })
      .catch((error: unknown) => {
        this.host.log({ msg: "execution bookkeeping failed", error: String(error) });
        this.resolveDone();
      });
  }

  /** Stops a running execution (StopExecution, execution timeout, shutdown). */
  stop(status: "ABORTED" | "TIMED_OUT", error?: string, cause?: string): boolean {
    const record = this.record;
    if (record.status !== "RUNNING") return false;
    record.status = status;
    record.stopDate = this.host.clock.nowMs();
    if (error !== undefined) record.error = error;
    if (cause !== undefined) record.cause = cause;
    this.cancelExecutionTimeout?.();
    this.abortRun?.();
    const stopped = stoppedError();
    for (const attempt of [...this.attempts]) attempt.fail(stopped);
    this.host.log({ msg: "execution stopped", executionArn: record.executionArn, status, error });
    this.host.changed(this.record.executionArn, true);
    return true;
  }

  private roleArn(): string {
    return `arn:aws:iam::${this.host.accountId}:role/local-stepfunctions`;
  }

  private finish(outcome: Outcome): void {
    const record = this.record;
    this.cancelExecutionTimeout?.();
    for (const attempt of [...this.attempts]) attempt.fail(stoppedError());
    if (record.status === "RUNNING") {
      record.stopDate = this.host.clock.nowMs();
      if (outcome.ok) {
        record.status = "SUCCEEDED";
        record.output = JSON.stringify(outcome.value ?? null);
        this.history.executionSucceeded(record.output);
      } else {
        const failure =
          outcome.error instanceof Error && outcome.error.cause instanceof Error
            ? outcome.error.cause
            : outcome.error;
        record.status = "FAILED";
        record.error = failure instanceof Error ? failure.name : "States.Runtime";
        record.cause = failure instanceof Error ? failure.message : String(failure);
        this.history.executionFailed(record.error, record.cause);
      }
    } else {
      this.history.executionStopped(record.status === "TIMED_OUT", record.error, record.cause);
    }
    this.host.log({
      msg: "execution finished",
      executionArn: record.executionArn,
      status: record.status,
      error: record.error,
      cause: record.cause,
    });
    this.host.ended(record);
    this.host.changed(this.record.executionArn, true);
    this.resolveDone();
  }

  // ---- context object ------------------------------------------------------------------

  private context(input: Json): NonNullable<RunOptions["context"]> {
    const record = this.record;
    const clock = this.host.clock;
    const task: Record<string, unknown> = {};
    // The library resolves Parameters synchronously right before calling the state's
    // handler, so the token minted here is the one the handler takes next.
    Object.defineProperty(task, "Token", {
      enumerable: true,
      get: () => {
        this.pendingToken ??= this.host.tokens.mint();
        return this.pendingToken;
      },
    });
    const states: Record<string, unknown> = {};
    for (const info of this.machine.prepared.states.values()) {
      states[info.id] = {
        Name: info.name,
        RetryCount: 0,
        get EnteredTime() {
          return clock.now().toISOString();
        },
      };
    }
    const execution = {
      Id: record.executionArn,
      Name: record.name,
      Input: input,
      StartTime: new Date(record.startDate).toISOString(),
      RoleArn: this.roleArn(),
      RedriveCount: 0,
    };
    return {
      Execution: execution,
      [CONTEXT.execution]: execution,
      [CONTEXT.states]: states,
      StateMachine: { Id: this.machine.arn, Name: this.machine.name },
      Task: task,
    } as NonNullable<RunOptions["context"]>;
  }

  private handlers(): TaskHandlers {
    const handlers: TaskHandlers = {};
    for (const info of this.machine.prepared.states.values()) {
      const { task, wait } = info;
      if (task) handlers[info.name] = this.taskHandler(info, task);
      else if (wait) handlers[info.name] = this.waitHandler(info, wait);
    }
    return handlers;
  }

  /** The library retries at once; the engine holds the retry back on the virtual clock. */
  private retryAtOnce(): NonNullable<Overrides["retryIntervalOverrides"]> {
    const overrides: NonNullable<Overrides["retryIntervalOverrides"]> = {};
    for (const info of this.machine.prepared.states.values()) {
      if (info.task?.retry?.length) overrides[info.name] = 0;
    }
    return overrides;
  }

  private newAttempt(): Attempt {
    const attempt = new Attempt(this.host.clock, (settled) => {
      this.attempts.delete(settled);
      if (settled.token) this.host.tokens.close(settled.token);
      this.host.changed(this.record.executionArn, false);
    });
    this.attempts.add(attempt);
    return attempt;
  }

  // ---- Task states ---------------------------------------------------------------------

  private taskHandler(info: StateInfo, task: TaskInfo): TaskHandler {
    return (input) => {
      const token = this.pendingToken;
      this.pendingToken = undefined;
      return this.runTask(info, task, input as Json, token) as ReturnType<TaskHandler>;
    };
  }

  private runTask(info: StateInfo, task: TaskInfo, wrapped: Json, token?: string): Promise<Json> {
    if (this.record.status !== "RUNNING") return Promise.reject(stoppedError());
    const attempt = this.newAttempt();
    try {
      const fields = isObject(wrapped) ? wrapped : {};
      const payload = fields[WRAP.payload] ?? null;
      const timeoutSeconds =
        task.timeoutSeconds ??
        (task.timeoutFromPath
          ? positiveSeconds(fields[WRAP.timeoutSeconds], "TimeoutSecondsPath", info.name)
          : undefined);
      const heartbeatSeconds =
        task.heartbeatSeconds ??
        (task.heartbeatFromPath
          ? positiveSeconds(fields[WRAP.heartbeatSeconds], "HeartbeatSecondsPath", info.name)
          : undefined);
      const go = () => {
        try {
          if (timeoutSeconds !== undefined) {
            attempt.at("timeout", this.host.clock.nowMs() + timeoutSeconds * 1000, () =>
              this.timeOut(info, attempt, `Task did not finish within ${timeoutSeconds} seconds`),
            );
          }
          this.dispatch(info, task, attempt, payload, token, heartbeatSeconds);
        } catch (error) {
          attempt.fail(error instanceof Error ? error : runtimeError(String(error)));
        }
      };
      // A retry starts once its back-off has passed on the virtual clock.
      const dueMs = this.retrying.get(info.name)?.dueMs;
      if (dueMs !== undefined && dueMs > this.host.clock.nowMs()) attempt.at("retry", dueMs, go);
      else go();
    } catch (error) {
      attempt.fail(error instanceof Error ? error : runtimeError(String(error)));
    }
    attempt.promise.then(
      () => this.retrying.delete(info.name),
      (error: unknown) => this.scheduleRetry(info, task, error),
    );
    return attempt.promise;
  }

  /** After a failed attempt: when the retry the library is about to make may start. */
  private scheduleRetry(info: StateInfo, task: TaskInfo, error: unknown): void {
    const retriers = task.retry ?? [];
    const entry = this.retrying.get(info.name) ?? { attempts: retriers.map(() => 0), dueMs: 0 };
    const delayMs = nextRetryDelayMs(retriers, entry.attempts, (error ?? {}) as object);
    if (delayMs === null) {
      this.retrying.delete(info.name);
      return;
    }
    entry.dueMs = this.host.clock.nowMs() + delayMs;
    this.retrying.set(info.name, entry);
  }

  private dispatch(
    info: StateInfo,
    task: TaskInfo,
    attempt: Attempt,
    payload: Json,
    token: string | undefined,
    heartbeatSeconds: number | undefined,
  ): void {
    const { resource } = task;
    const fail = (error: Error) => attempt.fail(error);
    if (LAMBDA_ARN.test(resource)) {
      this.invoke(resource, payload).then((result) => attempt.succeed(result), fail);
      return;
    }
    if (LAMBDA_INVOKE.test(resource)) {
      const { functionName, body } = this.lambdaParameters(payload, info);
      this.invoke(functionName, body).then(
        (result) =>
          attempt.succeed({ ExecutedVersion: "$LATEST", Payload: result, StatusCode: 200 }),
        fail,
      );
      return;
    }
    if (LAMBDA_INVOKE_WAIT.test(resource)) {
      const { functionName, body } = this.lambdaParameters(payload, info);
      const taskToken = token ?? this.host.tokens.mint();
      attempt.token = taskToken;
      const armHeartbeat = () => {
        if (heartbeatSeconds === undefined) return;
        attempt.at("heartbeat", this.host.clock.nowMs() + heartbeatSeconds * 1000, () =>
          this.timeOut(info, attempt, `No heartbeat within ${heartbeatSeconds} seconds`),
        );
      };
      const waiter: TokenWaiter = {
        executionArn: this.record.executionArn,
        succeed: (output) => attempt.succeed(output),
        fail: (error, cause) => attempt.fail(stateError(error, cause)),
        heartbeat: armHeartbeat,
      };
      this.host.tokens.register(taskToken, waiter);
      armHeartbeat();
      this.host.log({
        msg: "task waiting for token",
        executionArn: this.record.executionArn,
        state: info.name,
      });
      // The function only hands the token on; its result is ignored, its failure fails the task.
      this.invoke(functionName, body).then(() => undefined, fail);
      return;
    }
    throw stateError(
      "Local.UnsupportedResource",
      `State "${info.name}": the local Step Functions endpoint cannot run Resource "${resource}" ` +
        "(supported: Lambda function ARNs, arn:aws:states:::lambda:invoke and " +
        "arn:aws:states:::lambda:invoke.waitForTaskToken)",
    );
  }

  private lambdaParameters(payload: Json, info: StateInfo): { functionName: string; body: Json } {
    if (!isObject(payload) || typeof payload.FunctionName !== "string") {
      throw runtimeError(`State "${info.name}": Parameters.FunctionName must be a string`);
    }
    let functionName = payload.FunctionName;
    if (/^[\w-]+$/.test(functionName)) {
      functionName = `arn:aws:lambda:${this.host.region}:${this.host.accountId}:function:${functionName}`;
    }
    return { functionName, body: payload.Payload === undefined ? {} : payload.Payload };
  }

  private async invoke(functionArn: string, payload: Json): Promise<Json> {
    this.host.lambdaCalls(1);
    try {
      return toJson(await this.host.invokeLambda(functionArn, payload));
    } catch (error) {
      if (error instanceof Error) throw stateError(error.name || "Error", error.message);
      throw stateError("Error", String(error));
    } finally {
      this.host.lambdaCalls(-1);
    }
  }

  private timeOut(info: StateInfo, attempt: Attempt, cause: string): void {
    this.host.log({
      msg: "task timed out",
      executionArn: this.record.executionArn,
      state: info.name,
      cause,
    });
    attempt.fail(stateError("States.Timeout", cause));
  }

  // ---- Wait states ---------------------------------------------------------------------

  private waitHandler(info: StateInfo, wait: WaitInfo): TaskHandler {
    return (input) => this.runWait(info, wait, input as Json) as ReturnType<TaskHandler>;
  }

  private runWait(info: StateInfo, wait: WaitInfo, wrapped: Json): Promise<Json> {
    if (this.record.status !== "RUNNING") return Promise.reject(stoppedError());
    const attempt = this.newAttempt();
    try {
      const fields = isObject(wrapped) ? wrapped : {};
      const passOn = fields[WRAP.input] ?? null;
      const now = this.host.clock.nowMs();
      let untilMs: number;
      if (wait.seconds !== undefined) untilMs = now + wait.seconds * 1000;
      else if (wait.timestamp !== undefined) untilMs = timestampMs(wait.timestamp, info.name);
      else if (WRAP.seconds in fields) {
        const seconds = fields[WRAP.seconds];
        if (typeof seconds !== "number" || !Number.isInteger(seconds) || seconds < 0) {
          throw runtimeError(
            `State "${info.name}": SecondsPath must select a non-negative integer`,
          );
        }
        untilMs = now + seconds * 1000;
      } else if (WRAP.timestamp in fields) {
        untilMs = timestampMs(fields[WRAP.timestamp], info.name);
      } else {
        throw runtimeError(`State "${info.name}": a Wait state needs Seconds or Timestamp`);
      }
      if (untilMs <= now) attempt.succeed(passOn);
      else attempt.at("wait", untilMs, () => attempt.succeed(passOn));
    } catch (error) {
      attempt.fail(error instanceof Error ? error : runtimeError(String(error)));
    }
    return attempt.promise;
  }

  private async consume(events: AsyncGenerator<LibraryEvent>): Promise<void> {
    try {
      for await (const event of events) this.history.onLibraryEvent(event);
    } catch (error) {
      this.host.log({ msg: "event log failed", error: String(error) });
    }
  }
}

function positiveSeconds(value: unknown, field: string, state: string): number {
  if (typeof value !== "number" || !Number.isInteger(value) || value < 1) {
    throw runtimeError(`State "${state}": ${field} must select a positive integer`);
  }
  return value;
}

function timestampMs(value: unknown, state: string): number {
  const ms = typeof value === "string" ? Date.parse(value) : Number.NaN;
  if (Number.isNaN(ms)) throw runtimeError(`State "${state}": the wait timestamp is not valid`);
  return ms;
}
