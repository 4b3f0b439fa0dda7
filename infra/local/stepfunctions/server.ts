import { randomUUID } from "node:crypto";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { StateMachine, type StateMachineDefinition } from "aws-local-stepfunctions";
import type { VirtualClock } from "../clock.ts";
import { prepareDefinition } from "./definition.ts";
import { SfnApiError } from "./errors.ts";
import { type CompiledMachine, Execution, type ExecutionHost } from "./execution.ts";
import type { HistoryEvent } from "./history.ts";
import { type ExecutionRecord, ExecutionRecords, type ExecutionStatus } from "./records.ts";
import { TaskTokens } from "./tokens.ts";

export interface LocalStateMachine {
  arn: string;
  name: string;
  /** Plain ASL JSON. */
  definition: Record<string, unknown>;
}

export interface LocalStepFunctionsOptions {
  clock: VirtualClock;
  stateMachines: LocalStateMachine[];
  /** Invokes a Lambda function by ARN with a JSON payload; resolves to its JSON result, or
   * rejects with an Error whose `name` is the error type and `message` the cause. */
  invokeLambda(functionArn: string, payload: unknown): Promise<unknown>;
  /** Defaults to us-east-1. */
  region?: string;
  /** Defaults to 000000000000. */
  accountId?: string;
  /** Optional JSON file where execution records persist. */
  stateFile?: string;
  /** Optional structured logging. */
  log?: (entry: Record<string, unknown>) => void;
}

type Params = Record<string, unknown>;

const TARGET_PREFIX = "AWSStepFunctions.";
const MAX_INPUT_BYTES = 256 * 1024;
const MAX_BODY_BYTES = 8 * 1024 * 1024;
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

function seconds(ms: number | undefined): number | undefined {
  return ms === undefined ? undefined : ms / 1000;
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on("data", (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) {
        reject(new SfnApiError("ValidationException", "Request body too large"));
        req.destroy();
        return;
      }
      chunks.push(chunk);
    });
    req.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")));
    req.on("error", reject);
  });
}

/**
 * A local AWS Step Functions endpoint (AWS JSON 1.0, as @aws-sdk/client-sfn speaks it) that
 * runs ASL definitions with aws-local-stepfunctions. Task states invoke Lambda functions
 * through `invokeLambda`; task timeouts, heartbeats, Wait states and execution timeouts run
 * on the virtual clock, so `clock.advance()` moves every execution forward.
 */
export class LocalStepFunctions {
  private readonly clock: VirtualClock;
  private readonly region: string;
  private readonly accountId: string;
  private readonly machines = new Map<string, CompiledMachine>();
  private readonly records: ExecutionRecords;
  private readonly running = new Map<string, Execution>();
  private readonly tokens = new TaskTokens();
  private readonly host: ExecutionHost;
  private server: Server | undefined;
  private progress = 0;
  private lambdasInFlight = 0;
  private closed = false;

  constructor(private readonly opts: LocalStepFunctionsOptions) {
    this.clock = opts.clock;
    this.region = opts.region ?? "us-east-1";
    this.accountId = opts.accountId ?? "000000000000";
    this.records = new ExecutionRecords(opts.stateFile, (entry) => this.log(entry));
    for (const machine of opts.stateMachines) this.addMachine(machine);
    this.host = {
      clock: this.clock,
      tokens: this.tokens,
      region: this.region,
      accountId: this.accountId,
      invokeLambda: (functionArn, payload) => opts.invokeLambda(functionArn, payload),
      changed: (persist) => {
        this.progress++;
        if (persist) this.records.save();
      },
      lambdaCalls: (delta) => {
        this.lambdasInFlight += delta;
        this.progress++;
      },
      log: (entry) => this.log(entry),
    };
    this.records.load(this.clock.nowMs());
  }

  /** Starts serving on `port` (0 picks a free one). */
  async listen(port: number, host = "127.0.0.1"): Promise<{ endpoint: string }> {
    if (this.closed) throw new Error("LocalStepFunctions is closed");
    if (this.server) throw new Error("LocalStepFunctions is already listening");
    const server = createServer((req, res) => {
      void this.handle(req, res);
    });
    this.server = server;
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(port, host, () => {
        server.off("error", reject);
        resolve();
      });
    });
    const address = server.address() as AddressInfo;
    const hostname = address.family === "IPv6" ? `[${address.address}]` : address.address;
    const endpoint = `http://${hostname}:${address.port}`;
    this.log({ msg: "local step functions listening", endpoint });
    return { endpoint };
  }

  /** Stops the server and aborts running executions (error "Local.StackStopped"). */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const execution of this.running.values()) {
      execution.stop("ABORTED", "Local.StackStopped", "The local stack was stopped");
    }
    const server = this.server;
    this.server = undefined;
    if (server) {
      const stopped = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeAllConnections();
      await stopped;
    }
    await this.settleRunning(5000);
    this.records.save();
    // Closed handles are released in the loop's close phase; a zero timer runs after it.
    await new Promise((resolve) => setTimeout(resolve, 0));
  }

  /** Resolves once no Lambda call is in flight and nothing has happened for a few
   * milliseconds: every execution is finished or parked (task token, virtual-clock timer). */
  async waitForIdle(timeoutMs = 5000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    let seen = -1;
    let quiet = 0;
    while (Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 5));
      if (this.lambdasInFlight === 0 && this.progress === seen) {
        quiet++;
        if (quiet >= 3) return;
      } else {
        quiet = 0;
        seen = this.progress;
      }
    }
    throw new Error(`Step Functions did not become idle within ${timeoutMs} ms`);
  }

  /** Resolves with the final status once the execution is no longer running. */
  async waitForExecution(executionArn: string, timeoutMs = 10_000): Promise<ExecutionStatus> {
    const execution = this.running.get(executionArn);
    if (execution) {
      let timer: NodeJS.Timeout | undefined;
      const timedOut = new Promise<never>((_, reject) => {
        timer = setTimeout(
          () => reject(new Error(`${executionArn} still running after ${timeoutMs} ms`)),
          timeoutMs,
        );
      });
      try {
        await Promise.race([execution.done, timedOut]);
      } finally {
        clearTimeout(timer);
      }
    }
    const record = this.records.get(executionArn);
    if (!record) throw new Error(`No execution ${executionArn}`);
    return record.status;
  }

  /** A copy of an execution record (dates in epoch milliseconds), or undefined. */
  execution(executionArn: string): ExecutionRecord | undefined {
    const record = this.records.get(executionArn);
    return record ? structuredClone(record) : undefined;
  }

  /** Number of executions currently RUNNING in this process. */
  runningCount(): number {
    return this.running.size;
  }

  /** Number of task tokens currently waiting for SendTask* calls. */
  waitingTaskCount(): number {
    return this.tokens.waitingCount();
  }

  // ---- setup ---------------------------------------------------------------------------

  private addMachine(machine: LocalStateMachine): void {
    if (this.machines.has(machine.arn)) throw new Error(`Duplicate state machine ${machine.arn}`);
    try {
      // Validates the definition as written (asl-validator, with ARN and path checks).
      new StateMachine(machine.definition as unknown as StateMachineDefinition);
    } catch (error) {
      throw new Error(`State machine ${machine.name}: ${(error as Error).message}`);
    }
    const prepared = prepareDefinition(machine.definition);
    const runner = new StateMachine(prepared.definition as unknown as StateMachineDefinition, {
      validationOptions: { noValidate: true },
    });
    this.machines.set(machine.arn, {
      arn: machine.arn,
      name: machine.name,
      definition: machine.definition,
      prepared,
      runner,
      createdMs: this.clock.nowMs(),
    });
  }

  private log(entry: Record<string, unknown>): void {
    try {
      this.opts.log?.({ component: "local-stepfunctions", ...entry });
    } catch {
      // Logging must never break an execution.
    }
  }

  private async settleRunning(timeoutMs: number): Promise<void> {
    const pending = [...this.running.values()].map((execution) => execution.done);
    if (pending.length === 0) return;
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      Promise.all(pending),
      new Promise<void>((resolve) => {
        timer = setTimeout(resolve, timeoutMs);
      }),
    ]);
    clearTimeout(timer);
  }

  // ---- HTTP ----------------------------------------------------------------------------

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    let status = 200;
    let body: unknown;
    let errorType: string | undefined;
    try {
      const raw = await readBody(req);
      if (req.method !== "POST") throw new SfnApiError("UnknownOperationException", "POST only");
      const target = String(req.headers["x-amz-target"] ?? "");
      if (!target.startsWith(TARGET_PREFIX)) {
        throw new SfnApiError("UnknownOperationException", `Unknown target "${target}"`);
      }
      let params: unknown = {};
      if (raw.trim() !== "") {
        try {
          params = JSON.parse(raw);
        } catch {
          throw new SfnApiError("SerializationException", "The request body is not valid JSON");
        }
      }
      if (typeof params !== "object" || params === null || Array.isArray(params)) {
        throw new SfnApiError("SerializationException", "The request body must be a JSON object");
      }
      body = this.call(target.slice(TARGET_PREFIX.length), params as Params);
    } catch (error) {
      if (error instanceof SfnApiError) {
        status = error.status;
        errorType = error.type;
      } else {
        status = 500;
        errorType = "InternalFailure";
        this.log({ msg: "request failed", error: String(error) });
      }
      body = { __type: errorType, message: error instanceof Error ? error.message : String(error) };
    }
    const text = JSON.stringify(body ?? {});
    if (res.destroyed) return;
    res.writeHead(status, {
      "content-type": "application/x-amz-json-1.0",
      "content-length": Buffer.byteLength(text),
      "x-amzn-requestid": randomUUID(),
      ...(errorType ? { "x-amzn-errortype": errorType } : {}),
    });
    res.end(text);
  }

  private call(operation: string, params: Params): unknown {
    switch (operation) {
      case "StartExecution":
        return this.startExecution(params);
      case "DescribeExecution":
        return this.describeExecution(params);
      case "StopExecution":
        return this.stopExecution(params);
      case "SendTaskSuccess":
        return this.sendTaskSuccess(params);
      case "SendTaskFailure":
        return this.sendTaskFailure(params);
      case "SendTaskHeartbeat":
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

  private machine(arn: string): CompiledMachine {
    const machine = this.machines.get(arn);
    if (!machine)
      throw new SfnApiError("StateMachineDoesNotExist", `State Machine Does Not Exist: '${arn}'`);
    return machine;
  }

  private record(params: Params): ExecutionRecord {
    const arn = str(params, "executionArn", true);
    if (!arn.startsWith("arn:")) throw new SfnApiError("InvalidArn", `Invalid Arn: '${arn}'`);
    const record = this.records.get(arn);
    if (!record)
      throw new SfnApiError("ExecutionDoesNotExist", `Execution Does Not Exist: '${arn}'`);
    return record;
  }

  private startExecution(params: Params): unknown {
    if (this.closed)
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
    const executionArn = `arn:aws:states:${this.region}:${this.accountId}:execution:${machine.name}:${name}`;
    const existing = this.records.get(executionArn);
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
      startDate: this.clock.nowMs(),
      input,
      events: [],
    };
    this.records.add(record);
    const execution = new Execution(this.host, machine, record);
    this.running.set(executionArn, execution);
    void execution.done.then(() => this.running.delete(executionArn));
    execution.start();
    this.records.save();
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
    const execution = this.running.get(record.executionArn);
    execution?.stop("ABORTED", str(params, "error"), str(params, "cause"));
    return { stopDate: seconds(record.stopDate ?? this.clock.nowMs()) };
  }

  private waiter(params: Params) {
    const token = str(params, "taskToken", true);
    const found = this.tokens.lookup(token);
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
    this.log({ msg: "task success received", executionArn: waiter.executionArn });
    waiter.succeed(parsed as never);
    return {};
  }

  private sendTaskFailure(params: Params): unknown {
    const waiter = this.waiter(params);
    const error = str(params, "error") ?? "";
    const cause = str(params, "cause") ?? "";
    this.log({ msg: "task failure received", executionArn: waiter.executionArn, error });
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
    const matching = this.records.list(stateMachineArn, filter);
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
    return { events };
  }

  private describeStateMachine(params: Params): unknown {
    const machine = this.machine(str(params, "stateMachineArn", true));
    return {
      stateMachineArn: machine.arn,
      name: machine.name,
      status: "ACTIVE",
      definition: JSON.stringify(machine.definition),
      roleArn: `arn:aws:iam::${this.accountId}:role/local-stepfunctions`,
      type: "STANDARD",
      creationDate: seconds(machine.createdMs),
    };
  }

  private listStateMachines(): unknown {
    return {
      stateMachines: [...this.machines.values()].map((machine) => ({
        stateMachineArn: machine.arn,
        name: machine.name,
        type: "STANDARD",
        creationDate: seconds(machine.createdMs),
      })),
    };
  }
}
