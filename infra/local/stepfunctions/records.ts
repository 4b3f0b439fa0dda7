import { createHash } from "node:crypto";
import {
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { basename, dirname, join } from "node:path";
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
 * Every execution's record by ARN, saved (when `file` is given) so that they survive a
 * restart of the local stack: one JSON file an execution, in the directory named after
 * `file` without its extension (`stepfunctions.json` → `stepfunctions/`). A save writes
 * only the records that changed, so a stack with ten thousand executions saves as fast as
 * one with ten. A start and an end are saved at once (as AWS records them before it
 * answers); the events in between at the next flush.
 */
export class ExecutionRecords {
  private readonly byArn = new Map<string, ExecutionRecord>();
  private readonly dirty = new Set<string>();
  private readonly dir: string | undefined;

  constructor(
    private readonly file: string | undefined,
    private readonly log: (entry: Record<string, unknown>) => void,
  ) {
    this.dir = file ? join(dirname(file), basename(file, ".json")) : undefined;
  }

  /** Reads the saved records. Executions that were RUNNING cannot go on: they end ABORTED,
   * and their stop is announced once the stack is up. */
  load(nowMs: number): void {
    const saved: ExecutionRecord[] = [];
    // A stack saved by an earlier version kept every record in the one file.
    if (this.file && existsSync(this.file)) {
      const all = JSON.parse(readFileSync(this.file, "utf8")) as { executions?: ExecutionRecord[] };
      saved.push(...(all.executions ?? []));
    }
    if (this.dir && existsSync(this.dir)) {
      for (const entry of readdirSync(this.dir)) {
        if (!entry.endsWith(".json")) continue;
        try {
          saved.push(JSON.parse(readFileSync(join(this.dir, entry), "utf8")) as ExecutionRecord);
        } catch (error) {
          // A file cut short by a kill mid-write (writes go through a rename, so only a
          // temporary one can be): the record before it is the one that counts.
          this.log({ msg: "skipped an unreadable execution record", entry, error: String(error) });
        }
      }
    }
    for (const record of saved) {
      if (record.status === "RUNNING") {
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
        this.dirty.add(record.executionArn);
      }
      this.byArn.set(record.executionArn, record);
    }
    if (this.file && existsSync(this.file)) {
      for (const record of this.byArn.values()) this.dirty.add(record.executionArn);
      this.save();
      rmSync(this.file, { force: true });
    } else {
      this.save();
    }
  }

  /** Marks a record changed; it is written at the next save(). */
  touch(executionArn: string): void {
    if (this.byArn.has(executionArn)) this.dirty.add(executionArn);
  }

  /** Writes one record now (with `executionArn`), or every record changed since the last
   * save. */
  save(executionArn?: string): void {
    const dir = this.dir;
    if (!dir) {
      this.dirty.clear();
      return;
    }
    const arns = executionArn === undefined ? [...this.dirty] : [executionArn];
    if (arns.length === 0) return;
    try {
      mkdirSync(dir, { recursive: true });
      for (const arn of arns) {
        this.dirty.delete(arn);
        const record = this.byArn.get(arn);
        if (!record) continue;
        const target = join(dir, `${createHash("sha1").update(arn).digest("hex")}.json`);
        const tmp = `${target}.${process.pid}.tmp`;
        writeFileSync(tmp, JSON.stringify(record));
        renameSync(tmp, target);
      }
    } catch (error) {
      this.log({ msg: "could not save step functions state", error: String(error) });
    }
  }

  get(executionArn: string): ExecutionRecord | undefined {
    return this.byArn.get(executionArn);
  }

  add(record: ExecutionRecord): void {
    this.byArn.set(record.executionArn, record);
    this.dirty.add(record.executionArn);
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
