import type { LineWaitStore } from "../../shared/ports/line-waits.ts";
import type {
  LineRun,
  LineSignals,
  LineWorkflow,
  LineWorkflowAdmin,
  StoppedRun,
} from "../../shared/ports/workflow.ts";

/**
 * The line state machine, as far as the services see it: executions started by name (a
 * name used already is a no-op, as Step Functions answers), and stopped runs a test lists.
 */
export class FakeWorkflow implements LineWorkflow, LineWorkflowAdmin {
  /** Executions by name: the run each was started with (the first start). */
  readonly executions = new Map<string, LineRun>();
  /** Every start asked for, repeats included. */
  readonly starts: (LineRun & { name: string })[] = [];
  /** What stoppedRuns answers (a test puts runs here). */
  readonly stopped: StoppedRun[] = [];
  /** Starts that fail next (as a throttled StartExecution would), counted down. */
  failNextStarts = 0;

  async start(runs: readonly LineRun[]): Promise<void> {
    if (this.failNextStarts > 0) {
      this.failNextStarts--;
      throw Object.assign(new Error("Rate exceeded"), { name: "ThrottlingException" });
    }
    for (const run of runs) await this.startNamed(run, run.name ?? run.lineId);
  }

  async startNamed(run: LineRun, name: string): Promise<void> {
    this.starts.push({ ...run, name });
    if (!this.executions.has(name)) this.executions.set(name, { ...run });
  }

  async stoppedRuns(since: Date, limit: number): Promise<StoppedRun[]> {
    return this.stopped
      .filter((r) => r.stoppedAt >= since)
      .sort((a, b) => b.stoppedAt.getTime() - a.stoppedAt.getTime())
      .slice(0, limit);
  }

  /** The line ids that have an execution, by execution name. */
  startedLines(): string[] {
    return [...this.executions.values()].map((r) => r.lineId);
  }
}

export interface Wake {
  orderId: string;
  lineId: string;
  reason: string;
  outcome: "woken" | "not-parked";
}

/**
 * Wakes parked lines with the token the line recorded (as shared/adapters/sfn-line-signals.ts):
 * a token resumes its task once; after that, or with no token, the line is `not-parked`.
 */
export class FakeSignals implements LineSignals {
  readonly wakes: Wake[] = [];
  private readonly used = new Set<string>();

  constructor(private readonly waits: Pick<LineWaitStore, "getWaitToken">) {}

  /** Wake-ups that fail next (as a throttled SendTaskSuccess would), counted down. */
  failNextWakes = 0;

  async wake(orderId: string, lineId: string, reason: string): Promise<"woken" | "not-parked"> {
    if (this.failNextWakes > 0) {
      this.failNextWakes--;
      throw Object.assign(new Error("Rate exceeded"), { name: "ThrottlingException" });
    }
    const token = await this.waits.getWaitToken(orderId, lineId);
    const outcome = token && !this.used.has(token) ? "woken" : "not-parked";
    if (token) this.used.add(token);
    this.wakes.push({ orderId, lineId, reason, outcome });
    return outcome;
  }

  /** The lines woken (a task token resumed), in order. */
  woken(): string[] {
    return this.wakes.filter((w) => w.outcome === "woken").map((w) => w.lineId);
  }
}
