/**
 * Turns an ASL definition into the one handed to aws-local-stepfunctions, so that every
 * timer runs on the virtual clock and the context object (`$$`) carries what AWS puts there:
 *
 * - Task states lose TimeoutSeconds(Path)/HeartbeatSeconds(Path); the engine enforces them on
 *   the virtual clock. Their Retry stays (the library decides whether to retry), but the
 *   engine times each retry on the virtual clock (retry.ts). The library's own per-task timer (60 s unless TimeoutSeconds is set) is
 *   pushed to LIBRARY_TASK_TIMEOUT_SECONDS, the longest real setTimeout Node arms without
 *   overflowing; the engine settles every task before that (and on stop), so it never fires.
 * - Parameters are wrapped as `{ payload: <original>, timeoutSeconds.$: <TimeoutSecondsPath>, … }`
 *   so the library resolves the original template and the reference paths against the same
 *   effective input (after InputPath), as AWS does; the handler unwraps them.
 * - Wait states become Tasks served by a local handler that waits on the virtual clock.
 * - `$$.Execution…` and `$$.State…` paths are redirected to context entries the engine owns
 *   (the library overwrites `$$.Execution.StartTime` with real time and has no `$$.State`).
 * - The top-level TimeoutSeconds is removed; the engine enforces it on the virtual clock.
 */

import type { Retrier } from "./retry.ts";

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
export type JsonObject = { [key: string]: Json };

/** 2_147_483 s × 1000 < 2^31 - 1 ms, the largest delay setTimeout accepts. */
export const LIBRARY_TASK_TIMEOUT_SECONDS = 2_147_483;

/** Keys of the wrapped Parameters object the task and wait handlers receive. */
export const WRAP = {
  payload: "payload",
  timeoutSeconds: "timeoutSeconds",
  heartbeatSeconds: "heartbeatSeconds",
  input: "input",
  seconds: "seconds",
  timestamp: "timestamp",
} as const;

/** Context keys the rewritten `$$` paths point at. */
export const CONTEXT = {
  execution: "LocalExecution",
  states: "LocalStates",
} as const;

/** A Task Resource that is a Lambda function's ARN, invoked directly. */
export const LAMBDA_ARN = /^arn:aws[a-z-]*:lambda:[a-z0-9-]+:\d{12}:function:[\w-]+(:[\w$-]+)?$/;

export interface TaskInfo {
  resource: string;
  /** The state's Retry, as written. */
  retry?: Retrier[];
  timeoutSeconds?: number;
  heartbeatSeconds?: number;
  timeoutFromPath: boolean;
  heartbeatFromPath: boolean;
}

export interface WaitInfo {
  seconds?: number;
  timestamp?: string;
}

export interface StateInfo {
  /** Identifier used in rewritten `$$.State` paths. */
  id: string;
  name: string;
  /** Type in the original definition (a Wait stays "Wait" although the library runs a Task). */
  type: string;
  task?: TaskInfo;
  wait?: WaitInfo;
}

export interface PreparedDefinition {
  definition: JsonObject;
  states: Map<string, StateInfo>;
  executionTimeoutSeconds?: number;
}

function isObject(value: unknown): value is JsonObject {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function positiveInteger(value: unknown, field: string, state: string): number | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== "number" || !Number.isInteger(value) || value < 1) {
    throw new Error(`State "${state}": ${field} must be a positive integer`);
  }
  return value;
}

function optionalString(value: unknown, field: string, state: string): string | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== "string") throw new Error(`State "${state}": ${field} must be a string`);
  return value;
}

function containsString(value: unknown, needle: string): boolean {
  if (typeof value === "string") return value.includes(needle);
  if (Array.isArray(value)) return value.some((item) => containsString(item, needle));
  if (isObject(value)) return Object.values(value).some((item) => containsString(item, needle));
  return false;
}

const NESTED_KEYS = new Set(["Iterator", "ItemProcessor", "Branches"]);

function rewriteContextPaths(path: string, stateId: string): string {
  return path
    .replace(/\$\$\.Execution\b/g, () => `$$.${CONTEXT.execution}`)
    .replace(/\$\$\.State\b/g, () => `$$.${CONTEXT.states}.${stateId}`);
}

/** Copies a state, rewriting `$$` references in path-valued fields (not nested machines). */
function rewriteState(value: Json, stateId: string, key = ""): Json {
  if (typeof value === "string") {
    const isPath = key.endsWith(".$") || key.endsWith("Path") || key === "Variable";
    return isPath ? rewriteContextPaths(value, stateId) : value;
  }
  if (Array.isArray(value)) return value.map((item) => rewriteState(item, stateId, key));
  if (isObject(value)) {
    const out: JsonObject = {};
    for (const [k, v] of Object.entries(value)) {
      out[k] = NESTED_KEYS.has(k) ? v : rewriteState(v, stateId, k);
    }
    return out;
  }
  return value;
}

class Preparer {
  readonly states = new Map<string, StateInfo>();

  machine(definition: JsonObject, where: string): JsonObject {
    const states = definition.States;
    if (!isObject(states)) throw new Error(`${where}: States must be an object`);
    const out: JsonObject = { ...definition, States: {} };
    delete out.TimeoutSeconds;
    const outStates: JsonObject = {};
    for (const [name, state] of Object.entries(states)) {
      if (!isObject(state)) throw new Error(`State "${name}" must be an object`);
      outStates[name] = this.state(name, state);
    }
    out.States = outStates;
    return out;
  }

  private state(name: string, original: JsonObject): JsonObject {
    if (this.states.has(name)) throw new Error(`State name "${name}" is used more than once`);
    const id = `s${this.states.size + 1}`;
    const type = String(original.Type);
    const info: StateInfo = { id, name, type };
    this.states.set(name, info);
    const state = rewriteState(original, id) as JsonObject;

    for (const key of ["Iterator", "ItemProcessor"] as const) {
      const nested = original[key];
      if (isObject(nested)) state[key] = this.machine(nested, `State "${name}" ${key}`);
    }
    const branches = original.Branches;
    if (Array.isArray(branches)) {
      state.Branches = branches.map((branch, i) => {
        if (!isObject(branch)) throw new Error(`State "${name}" branch ${i} must be an object`);
        return this.machine(branch, `State "${name}" branch ${i}`);
      });
    }

    if (type === "Task") return this.task(info, original, state);
    if (type === "Wait") return this.wait(info, original, state);
    return state;
  }

  private task(info: StateInfo, original: JsonObject, state: JsonObject): JsonObject {
    const resource = optionalString(original.Resource, "Resource", info.name) ?? "";
    const timeoutPath = optionalString(
      original.TimeoutSecondsPath,
      "TimeoutSecondsPath",
      info.name,
    );
    const heartbeatPath = optionalString(
      original.HeartbeatSecondsPath,
      "HeartbeatSecondsPath",
      info.name,
    );
    const task: TaskInfo = {
      resource,
      timeoutFromPath: timeoutPath !== undefined,
      heartbeatFromPath: heartbeatPath !== undefined,
    };
    const timeoutSeconds = positiveInteger(original.TimeoutSeconds, "TimeoutSeconds", info.name);
    const heartbeatSeconds = positiveInteger(
      original.HeartbeatSeconds,
      "HeartbeatSeconds",
      info.name,
    );
    if (Array.isArray(original.Retry)) task.retry = original.Retry as unknown as Retrier[];
    if (timeoutSeconds !== undefined) task.timeoutSeconds = timeoutSeconds;
    if (heartbeatSeconds !== undefined) task.heartbeatSeconds = heartbeatSeconds;
    info.task = task;

    if (
      resource.endsWith(".waitForTaskToken") &&
      !containsString(original.Parameters, "$$.Task.Token")
    ) {
      throw new Error(
        `State "${info.name}": a .waitForTaskToken task must pass $$.Task.Token in Parameters`,
      );
    }

    const parameters: JsonObject = {};
    if ("Parameters" in state) parameters[WRAP.payload] = state.Parameters ?? null;
    else parameters[`${WRAP.payload}.$`] = "$";
    if (timeoutPath !== undefined) {
      parameters[`${WRAP.timeoutSeconds}.$`] = rewriteContextPaths(timeoutPath, info.id);
    }
    if (heartbeatPath !== undefined) {
      parameters[`${WRAP.heartbeatSeconds}.$`] = rewriteContextPaths(heartbeatPath, info.id);
    }
    const out: JsonObject = { ...state, Parameters: parameters };
    delete out.TimeoutSecondsPath;
    delete out.HeartbeatSeconds;
    delete out.HeartbeatSecondsPath;
    out.TimeoutSeconds = LIBRARY_TASK_TIMEOUT_SECONDS;
    return out;
  }

  private wait(info: StateInfo, original: JsonObject, state: JsonObject): JsonObject {
    const secondsPath = optionalString(original.SecondsPath, "SecondsPath", info.name);
    const timestampPath = optionalString(original.TimestampPath, "TimestampPath", info.name);
    const wait: WaitInfo = {};
    if (original.Seconds !== undefined) {
      if (typeof original.Seconds !== "number" || !Number.isInteger(original.Seconds)) {
        throw new Error(`State "${info.name}": Seconds must be an integer`);
      }
      wait.seconds = original.Seconds;
    }
    const timestamp = optionalString(original.Timestamp, "Timestamp", info.name);
    if (timestamp !== undefined) wait.timestamp = timestamp;
    info.wait = wait;

    const parameters: JsonObject = { [`${WRAP.input}.$`]: "$" };
    if (secondsPath !== undefined) parameters[`${WRAP.seconds}.$`] = String(state.SecondsPath);
    if (timestampPath !== undefined)
      parameters[`${WRAP.timestamp}.$`] = String(state.TimestampPath);
    const out: JsonObject = {
      Type: "Task",
      Resource: "arn:aws:states:::local:wait",
      Parameters: parameters,
      TimeoutSeconds: LIBRARY_TASK_TIMEOUT_SECONDS,
    };
    for (const key of ["Comment", "InputPath", "OutputPath", "Next", "End"]) {
      const value = state[key];
      if (value !== undefined) out[key] = value;
    }
    return out;
  }
}

export function prepareDefinition(definition: Record<string, unknown>): PreparedDefinition {
  const source = JSON.parse(JSON.stringify(definition)) as Json;
  if (!isObject(source)) throw new Error("A state machine definition must be an object");
  const preparer = new Preparer();
  const prepared = preparer.machine(source, "Definition");
  const result: PreparedDefinition = { definition: prepared, states: preparer.states };
  const timeout = positiveInteger(source.TimeoutSeconds, "TimeoutSeconds", "(top level)");
  if (timeout !== undefined) result.executionTimeoutSeconds = timeout;
  return result;
}
