/** The Step Functions API operations of the local endpoint, validated and answered as AWS does. */
import { randomUUID } from "node:crypto";
import type { VirtualClock } from "../clock.ts";
import { LOCAL_ACCOUNT, LOCAL_REGION } from "../identity.ts";
import { refusalError, SfnApiError, type SfnRefusal, throttledError } from "./errors.ts";
import type { CompiledMachine, Execution } from "./execution.ts";
import type { HistoryEvent } from "./history.ts";
import type { ExecutionRecord, ExecutionRecords } from "./records.ts";
import type { TaskTokens } from "./tokens.ts";
import type { Params } from "./transport.ts";

const MAX_INPUT_BYTES = 256 * 1024;
const STATUSES = new Set<string>(["RUNNING", "SUCCEEDED", "FAILED", "TIMED_OUT", "ABORTED"]);
// AWS rejects whitespace, brackets, wildcards, these specials and control characters.
// biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what it rejects
const INVALID_NAME = /[\s<>{}[\]?*"#%\\^|~`$&,;:/\u0000-\u001f\u007f-\u009f]/;

function str(params: Params, key: string, required: true): string;
function str(params: Params, key: string, required?: false): string | undefined;
function str(params: Params, key: string, required = false): string | undefined {
  const value = params[key];
  if (value === undefined || value === null) {
    if (required) throw new SfnApiError("ValidationException", `${key} is required`);
    return undefined;
  }
  if (typeof value !== "string")
    throw new SfnApiError("ValidationException", `${key} must be a string`);
  return value;
}

/** API dates are epoch seconds. */
function seconds(ms: number | undefined): number | undefined {
  return ms === undefined ? undefined : ms / 1000;
}

/** What the operations work on; LocalStepFunctions owns it. */
export interface ApiBackend {
  readonly clock: VirtualClock;
  readonly machines: ReadonlyMap<string, CompiledMachine>;
  readonly records: ExecutionRecords;
  readonly tokens: TaskTokens;
  /** False once the endpoint is shutting down. */
  accepting(): boolean;
  /** Runs a new execution of `machine`; its record is already in `records`. */
  run(machine: CompiledMachine, record: ExecutionRecord): void;
  /** The execution of that ARN while it runs. */
  running(executionArn: string): Execution | undefined;
  log(entry: Record<string, unknown>): void;
  /** Asked before each SendTaskSuccess/Failure/Heartbeat: a refusal to answer it with instead
   * (injected faults), or undefined to serve it. */
  refuseTaskCall?(operation: TaskCallOperation): SfnRefusal | undefined;
  /** Asked before each call: false when the operation is called above its rate (its token
   * bucket is empty), and the call is throttled. */
  admit?(operation: string): boolean;
}

/** The calls that report on a task token. */
export type TaskCallOperation = "SendTaskSuccess" | "SendTaskFailure" | "SendTaskHeartbeat";

export class StepFunctionsApi {
  constructor(private readonly backend: ApiBackend) {}

  /** Runs one operation (the name after "AWSStepFunctions." in X-Amz-Target). */
  call(operation: string, params: Params): unknown {
    if (this.backend.admit && !this.backend.admit(operation)) {
      this.backend.log({ msg: "call throttled (over its rate)", operation });
      throw throttledError();
    }
    switch (operation) {
      case "StartExecution":
        return this.startExecution(params);
      case "DescribeExecution":
        return this.describeExecution(params);
      case "StopExecution":
        return this.stopExecution(params);
      case "SendTaskSuccess":
        this.refuseIfTold(operation);
        return this.sendTaskSuccess(params);
      case "SendTaskFailure":
        this.refuseIfTold(operation);
        return this.sendTaskFailure(params);
      case "SendTaskHeartbeat":
        this.refuseIfTold(operation);
        return this.sendTaskHeartbeat(params);
      case "ListExecutions":
        return this.listExecutions(params);
      case "GetExecutionHistory":
        return this.getExecutionHistory(params);
      case "DescribeStateMachine":
        return this.describeStateMachine(params);
      case "ListStateMachines":
        return this.listStateMachines();
      default:
        throw new SfnApiError(
          "UnknownOperationException",
          `The local Step Functions endpoint does not support ${operation}`,
        );
    }
  }

  /** Answers as a throttled or unavailable AWS would, when the faults in force say so. */
  private refuseIfTold(operation: TaskCallOperation): void {
    const refusal = this.backend.refuseTaskCall?.(operation);
    if (refusal) {
      this.backend.log({ msg: "task call refused (injected fault)", operation, refusal });
      throw refusalError(refusal);
    }
  }

  private machine(arn: string): CompiledMachine {
    const machine = this.backend.machines.get(arn);
    if (!machine)
      throw new SfnApiError("StateMachineDoesNotExist", `State Machine Does Not Exist: '${arn}'`);
    return machine;
  }

  private record(params: Params): ExecutionRecord {
    const arn = str(params, "executionArn", true);
    if (!arn.startsWith("arn:")) throw new SfnApiError("InvalidArn", `Invalid Arn: '${arn}'`);
    const record = this.backend.records.get(arn);
    if (!record)
      throw new SfnApiError("ExecutionDoesNotExist", `Execution Does Not Exist: '${arn}'`);
    return record;
  }

  private startExecution(params: Params): unknown {
    if (!this.backend.accepting())
      throw new SfnApiError("ServiceUnavailable", "The endpoint is shutting down", 503);
    const machine = this.machine(str(params, "stateMachineArn", true));
    const name = str(params, "name") ?? randomUUID();
    if (name.length < 1 || name.length > 80 || INVALID_NAME.test(name)) {
      throw new SfnApiError("InvalidName", `Invalid Name: '${name}'`);
    }
    const input = str(params, "input") ?? "{}";
    if (Buffer.byteLength(input) > MAX_INPUT_BYTES) {
      throw new SfnApiError("InvalidExecutionInput", "Input exceeds 262144 bytes");
    }
    try {
      JSON.parse(input);
    } catch (error) {
      throw new SfnApiError(
        "InvalidExecutionInput",
        `Invalid State Machine Execution Input: '${(error as Error).message}'`,
      );
    }
    const executionArn = `arn:aws:states:${LOCAL_REGION}:${LOCAL_ACCOUNT}:execution:${machine.name}:${name}`;
    const existing = this.backend.records.get(executionArn);
    if (existing) {
      if (existing.status === "RUNNING" && existing.input === input) {
        return { executionArn, startDate: seconds(existing.startDate) };
      }
      throw new SfnApiError(
        "ExecutionAlreadyExists",
        `Execution Already Exists: '${executionArn}'`,
      );
    }
    const record: ExecutionRecord = {
      executionArn,
      stateMachineArn: machine.arn,
      name,
      status: "RUNNING",
      startDate: this.backend.clock.nowMs(),
      input,
      events: [],
    };
    this.backend.records.add(record);
    this.backend.run(machine, record);
    this.backend.records.save(record.executionArn);
    return { executionArn, startDate: seconds(record.startDate) };
  }

  private describeExecution(params: Params): unknown {
    const r = this.record(params);
    return {
      executionArn: r.executionArn,
      stateMachineArn: r.stateMachineArn,
      name: r.name,
      status: r.status,
      startDate: seconds(r.startDate),
      stopDate: seconds(r.stopDate),
      input: r.input,
      inputDetails: { included: true },
      output: r.output,
      ...(r.output === undefined ? {} : { outputDetails: { included: true } }),
      error: r.error,
      cause: r.cause,
      redriveCount: 0,
      redriveStatus: "NOT_REDRIVABLE",
    };
  }

  private stopExecution(params: Params): unknown {
    const record = this.record(params);
    const execution = this.backend.running(record.executionArn);
    execution?.stop("ABORTED", str(params, "error"), str(params, "cause"));
    return { stopDate: seconds(record.stopDate ?? this.backend.clock.nowMs()) };
  }

  private waiter(params: Params) {
    const token = str(params, "taskToken", true);
    const found = this.backend.tokens.lookup(token);
    if (found === undefined)
      throw new SfnApiError("InvalidToken", "Invalid Token: the task token is not known");
    if (found === "closed") {
      throw new SfnApiError(
        "TaskTimedOut",
        "Task Timed Out: 'Provided task does not exist anymore'",
      );
    }
    return found;
  }

  private sendTaskSuccess(params: Params): unknown {
    const waiter = this.waiter(params);
    const output = str(params, "output");
    let parsed: unknown;
    try {
      if (output === undefined) throw new Error("output is required");
      parsed = JSON.parse(output);
    } catch (error) {
      throw new SfnApiError("InvalidOutput", `Invalid Output: '${(error as Error).message}'`);
    }
    this.backend.log({ msg: "task success received", executionArn: waiter.executionArn });
    waiter.succeed(parsed as never);
    return {};
  }

  private sendTaskFailure(params: Params): unknown {
    const waiter = this.waiter(params);
    const error = str(params, "error") ?? "";
    const cause = str(params, "cause") ?? "";
    this.backend.log({ msg: "task failure received", executionArn: waiter.executionArn, error });
    waiter.fail(error, cause);
    return {};
  }

  private sendTaskHeartbeat(params: Params): unknown {
    this.waiter(params).heartbeat();
    return {};
  }

  private listExecutions(params: Params): unknown {
    const stateMachineArn = str(params, "stateMachineArn", true);
    const filter = str(params, "statusFilter");
    if (filter !== undefined && !STATUSES.has(filter)) {
      throw new SfnApiError("ValidationException", `Invalid statusFilter '${filter}'`);
    }
    const matching = this.backend.records.list(stateMachineArn, filter);
    if (matching.length === 0) this.machine(stateMachineArn); // an unknown machine is an error
    return {
      executions: matching.map((r) => ({
        executionArn: r.executionArn,
        stateMachineArn: r.stateMachineArn,
        name: r.name,
        status: r.status,
        startDate: seconds(r.startDate),
        stopDate: seconds(r.stopDate),
      })),
    };
  }

  private getExecutionHistory(params: Params): unknown {
    const record = this.record(params);
    const events = record.events.map((event: HistoryEvent) => ({
      ...event,
      timestamp: event.timestamp / 1000,
    }));
    if (params.reverseOrder === true) events.reverse();
    // As AWS pages it: 100 events unless asked (at most 1000), then a token for the rest.
    const asked = params.maxResults;
    if (
      asked !== undefined &&
      (!Number.isInteger(asked) || Number(asked) < 0 || Number(asked) > 1000)
    )
      throw new SfnApiError("ValidationException", "maxResults must be between 0 and 1000");
    const size = !asked ? 100 : Number(asked);
    const token = str(params, "nextToken");
    const from = token === undefined ? 0 : Number(Buffer.from(token, "base64url").toString());
    if (!Number.isInteger(from) || from < 0 || from > events.length)
      throw new SfnApiError("InvalidToken", "Invalid Token: 'nextToken' is not valid");
    const page = events.slice(from, from + size);
    const next =
      from + size < events.length
        ? { nextToken: Buffer.from(String(from + size)).toString("base64url") }
        : {};
    return { events: page, ...next };
  }

  private describeStateMachine(params: Params): unknown {
    const machine = this.machine(str(params, "stateMachineArn", true));
    return {
      stateMachineArn: machine.arn,
      name: machine.name,
      status: "ACTIVE",
      definition: JSON.stringify(machine.definition),
      roleArn: `arn:aws:iam::${LOCAL_ACCOUNT}:role/local-stepfunctions`,
      type: "STANDARD",
      creationDate: seconds(machine.createdMs),
    };
  }

  private listStateMachines(): unknown {
    return {
      stateMachines: [...this.backend.machines.values()].map((machine) => ({
        stateMachineArn: machine.arn,
        name: machine.name,
        type: "STANDARD",
        creationDate: seconds(machine.createdMs),
      })),
    };
  }
}
