import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";
import { appendEvent, type HistoryEvent } from "./history.ts";

export type ExecutionStatus = "RUNNING" | "SUCCEEDED" | "FAILED" | "TIMED_OUT" | "ABORTED";

/** Statuses whose "Execution Status Change" event is delivered (see server.ts). */
export const ANNOUNCED_STATUSES: ReadonlySet<ExecutionStatus> = new Set([
  "FAILED",
  "TIMED_OUT",
  "ABORTED",
]);

/** What survives a restart (dates are epoch milliseconds on the virtual clock). */
export interface ExecutionRecord {
  executionArn: string;
  stateMachineArn: string;
  name: string;
  status: ExecutionStatus;
  startDate: number;
  stopDate?: number;
  input: string;
  output?: string;
  error?: string;
  cause?: string;
  events: HistoryEvent[];
  /**
   * For an execution that stopped (FAILED, TIMED_OUT, ABORTED): whether its status-change
   * event was delivered. False until it was; such events are delivered again after a
   * restart, so a stop is announced at least once.
   */
  announced?: boolean;
}

/**
 * Every execution's record by ARN, saved as JSON to `file` (when given) so that they
 * survive a restart of the local stack.
 */
export class ExecutionRecords {
  private readonly byArn = new Map<string, ExecutionRecord>();

  constructor(
    private readonly file: string | undefined,
    private readonly log: (entry: Record<string, unknown>) => void,
  ) {}

  /** Reads the saved records. Executions that were RUNNING cannot go on: they end ABORTED,
   * and their stop is announced once the stack is up. */
  load(nowMs: number): void {
    const file = this.file;
    if (!file || !existsSync(file)) return;
    const saved = JSON.parse(readFileSync(file, "utf8")) as { executions?: ExecutionRecord[] };
    let restarted = false;
    for (const record of saved.executions ?? []) {
      if (record.status === "RUNNING") {
        restarted = true;
        record.status = "ABORTED";
        record.stopDate = nowMs;
        record.error = "Local.StackRestarted";
        record.cause = "The local stack restarted while this execution was running";
        record.announced = false;
        appendEvent(
          record.events,
          "ExecutionAborted",
          { executionAbortedEventDetails: { error: record.error, cause: record.cause } },
          record.stopDate,
        );
      }
      this.byArn.set(record.executionArn, record);
    }
    if (restarted) this.save();
  }

  save(): void {
    const file = this.file;
    if (!file) return;
    try {
      mkdirSync(dirname(file), { recursive: true });
      const tmp = `${file}.${process.pid}.tmp`;
      writeFileSync(tmp, JSON.stringify({ executions: [...this.byArn.values()] }));
      renameSync(tmp, file);
    } catch (error) {
      this.log({ msg: "could not save step functions state", error: String(error) });
    }
  }

  get(executionArn: string): ExecutionRecord | undefined {
    return this.byArn.get(executionArn);
  }

  add(record: ExecutionRecord): void {
    this.byArn.set(record.executionArn, record);
  }

  /** Stopped executions whose status-change event has not been delivered, oldest first. */
  unannounced(): ExecutionRecord[] {
    return [...this.byArn.values()]
      .filter((r) => r.announced === false && ANNOUNCED_STATUSES.has(r.status))
      .sort((a, b) => (a.stopDate ?? 0) - (b.stopDate ?? 0));
  }

  /** A state machine's executions, newest first; with `status`, only those in it. */
  list(stateMachineArn: string, status?: string): ExecutionRecord[] {
    return [...this.byArn.values()]
      .filter(
        (r) =>
          r.stateMachineArn === stateMachineArn && (status === undefined || r.status === status),
      )
      .sort((a, b) => b.startDate - a.startDate);
  }
}
