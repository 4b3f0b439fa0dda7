import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import { StateMachine, type StateMachineDefinition } from "aws-local-stepfunctions";
import type { VirtualClock } from "../clock.ts";
import { LOCAL_ACCOUNT, LOCAL_REGION } from "../identity.ts";
import { StepFunctionsApi, type TaskCallOperation } from "./api.ts";
import { prepareDefinition } from "./definition.ts";
import type { SfnRefusal } from "./errors.ts";
import { type BusEvent, executionStatusChange } from "./events.ts";
import { type CompiledMachine, Execution, type ExecutionHost } from "./execution.ts";
import {
  ANNOUNCED_STATUSES,
  type ExecutionRecord,
  ExecutionRecords,
  type ExecutionStatus,
} from "./records.ts";
import { TaskTokens } from "./tokens.ts";
import { createApiServer } from "./transport.ts";

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
  /** Optional JSON file where execution records persist. */
  stateFile?: string;
  /** Optional structured logging. */
  log?: (entry: Record<string, unknown>) => void;
  /** Asked before each SendTaskSuccess/Failure/Heartbeat: a refusal (ThrottlingException,
   * ServiceUnavailable) to answer instead, or undefined to serve it. For fault injection. */
  refuseTaskCall?(operation: TaskCallOperation): SfnRefusal | undefined;
  /** Asked before each API call: false to throttle it (ThrottlingException), as AWS does
   * above an operation's rate (limits.ts). */
  admit?(operation: string): boolean;
}

/** Delivers an event (at least once); resolves once it was, rejects if it could not be. */
export type EventSink = (event: BusEvent) => Promise<void>;

/** How soon changed records are saved after a change (events come in bursts: one write
 * for many). */
const SAVE_DELAY_MS = 500;

/**
 * A local AWS Step Functions endpoint (AWS JSON 1.0, as @aws-sdk/client-sfn speaks it) that
 * runs ASL definitions with aws-local-stepfunctions. Task states invoke Lambda functions
 * through `invokeLambda`; task timeouts, heartbeats, Wait states and execution timeouts run
 * on the virtual clock, so `clock.advance()` moves every execution forward.
 *
 * This class owns the state machines, running executions, task tokens and records;
 * transport.ts answers HTTP requests, api.ts the operations in them.
 */
export class LocalStepFunctions {
  private readonly clock: VirtualClock;
  private readonly machines = new Map<string, CompiledMachine>();
  private readonly records: ExecutionRecords;
  private readonly running = new Map<string, Execution>();
  private readonly tokens = new TaskTokens();
  private readonly host: ExecutionHost;
  private readonly api: StepFunctionsApi;
  private server: Server | undefined;
  private progress = 0;
  private lambdasInFlight = 0;
  private closed = false;
  /** Set by kill(): like a process killed, this endpoint writes nothing more. */
  private killed = false;
  private announce: EventSink | undefined;
  private saveTimer: NodeJS.Timeout | undefined;

  constructor(private readonly opts: LocalStepFunctionsOptions) {
    this.clock = opts.clock;
    this.records = new ExecutionRecords(opts.stateFile, (entry) => this.log(entry));
    for (const machine of opts.stateMachines) this.addMachine(machine);
    this.host = {
      clock: this.clock,
      tokens: this.tokens,
      region: LOCAL_REGION,
      accountId: LOCAL_ACCOUNT,
      invokeLambda: (functionArn, payload) => opts.invokeLambda(functionArn, payload),
      changed: (executionArn, persist) => {
        this.progress++;
        if (this.killed) return;
        if (persist) this.records.save(executionArn);
        else {
          this.records.touch(executionArn);
          this.saveSoon();
        }
      },
      lambdaCalls: (delta) => {
        this.lambdasInFlight += delta;
        this.progress++;
      },
      log: (entry) => this.log(entry),
      ended: (record) => this.ended(record),
    };
    this.api = new StepFunctionsApi({
      clock: this.clock,
      machines: this.machines,
      records: this.records,
      tokens: this.tokens,
      accepting: () => !this.closed,
      run: (machine, record) => this.run(machine, record),
      running: (executionArn) => this.running.get(executionArn),
      log: (entry) => this.log(entry),
      ...(opts.refuseTaskCall ? { refuseTaskCall: opts.refuseTaskCall } : {}),
      ...(opts.admit ? { admit: opts.admit } : {}),
    });
    this.records.load(this.clock.nowMs());
  }

  /** Starts serving on `port` (0 picks a free one). */
  async listen(port: number, host = "127.0.0.1"): Promise<{ endpoint: string }> {
    if (this.closed) throw new Error("LocalStepFunctions is closed");
    if (this.server) throw new Error("LocalStepFunctions is already listening");
    const server = createApiServer(
      (operation, params) => this.api.call(operation, params),
      (entry) => this.log(entry),
    );
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

  /**
   * Sends the "Execution Status Change" event of every execution that stops FAILED,
   * TIMED_OUT or ABORTED (StopExecution included) to `sink`, as Step Functions sends them
   * to EventBridge; first those whose event was never delivered (executions that stopped
   * before, or that the last run of the stack left RUNNING). An event is recorded as
   * delivered once `sink` resolves; one that was not is sent again by the next start.
   */
  startAnnouncing(sink: EventSink): void {
    if (this.closed) return;
    this.announce = sink;
    for (const record of this.records.unannounced()) this.deliver(record);
  }

  /** Stops the server and aborts running executions (error "Local.StackStopped"). Their
   * stops are announced by the next start. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.announce = undefined;
    clearTimeout(this.saveTimer);
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
    if (!this.killed) this.records.save();
    // Closed handles are released in the loop's close phase; a zero timer runs after it.
    await new Promise((resolve) => setTimeout(resolve, 0));
  }

  /**
   * Stops at once as a SIGKILL would stop the process this endpoint lives in: no execution
   * is aborted, no record is saved or announced from now on, so the records on disk are
   * what the next start finds. (In one process the executions' objects remain; close()
   * still releases their timers, without saving.)
   */
  async kill(): Promise<void> {
    this.killed = true;
    clearTimeout(this.saveTimer);
    this.saveTimer = undefined;
    await this.close();
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

  /** Runs a new execution (its record is already in the records) until it ends. */
  private run(machine: CompiledMachine, record: ExecutionRecord): void {
    const execution = new Execution(this.host, machine, record);
    this.running.set(record.executionArn, execution);
    void execution.done.then(() => this.running.delete(record.executionArn));
    execution.start();
  }

  private ended(record: ExecutionRecord): void {
    if (!ANNOUNCED_STATUSES.has(record.status)) return;
    record.announced = false;
    this.deliver(record);
  }

  private deliver(record: ExecutionRecord): void {
    const sink = this.announce;
    if (!sink || this.killed) return;
    const event = executionStatusChange(record, { region: LOCAL_REGION, account: LOCAL_ACCOUNT });
    sink(event).then(
      () => {
        if (this.killed) return;
        record.announced = true;
        this.records.touch(record.executionArn);
        this.saveSoon();
      },
      (error: unknown) =>
        this.log({
          msg: "execution status change not delivered; the next start sends it again",
          executionArn: record.executionArn,
          error: String(error),
        }),
    );
  }

  /** Saves the changed records shortly. */
  private saveSoon(): void {
    if (this.saveTimer || this.closed) return;
    this.saveTimer = setTimeout(() => {
      this.saveTimer = undefined;
      this.records.save();
    }, SAVE_DELAY_MS);
    this.saveTimer.unref();
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
}
