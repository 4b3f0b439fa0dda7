import type { BulkJob, BulkJobs } from "../../shared/ports/bulk.ts";
import type { LineWaitStore } from "../../shared/ports/line-waits.ts";
import type { RateLimiter, RateName, Take, Turn } from "../../shared/ports/rates.ts";
import type {
  ExecutionState,
  LineRun,
  LineSignals,
  LineWorkflow,
  LineWorkflowAdmin,
} from "../../shared/ports/workflow.ts";

/**
 * The line state machine, as far as the services see it: executions started by name (a
 * name used already is a no-op, as Step Functions answers), each running until a test
 * stops it.
 */
export class FakeWorkflow implements LineWorkflow, LineWorkflowAdmin {
  /** Executions by name: the run each was started with (the first start). */
  readonly executions = new Map<string, LineRun>();
  /** Every start asked for, repeats included. */
  readonly starts: (LineRun & { name: string })[] = [];
  /** Each execution's status by name (RUNNING once started, until a test stops it). */
  readonly states = new Map<string, ExecutionState>();
  /** DescribeExecution calls, and the most in flight at once. */
  describes = 0;
  maxDescribesInFlight = 0;
  private describesInFlight = 0;
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
    if (!this.executions.has(name)) {
      this.executions.set(name, { ...run });
      this.states.set(name, { status: "RUNNING", stoppedAt: null });
    }
  }

  async describe(name: string): Promise<ExecutionState | null> {
    this.describes++;
    this.describesInFlight++;
    this.maxDescribesInFlight = Math.max(this.maxDescribesInFlight, this.describesInFlight);
    await new Promise((resolve) => setTimeout(resolve, 0));
    this.describesInFlight--;
    const state = this.states.get(name);
    return state ? { ...state } : null;
  }

  /** The execution stops (fails, times out, is aborted, or ends) at `at`. */
  stop(name: string, status: Exclude<ExecutionState["status"], "RUNNING">, at: Date): void {
    const state = this.states.get(name);
    if (!state) throw new Error(`no execution ${name}`);
    this.states.set(name, { status, stoppedAt: at });
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

/** Bulk jobs started (a test runs them with runBulkJob, as the bulk machine would). */
export class FakeBulkJobs implements BulkJobs {
  readonly started: BulkJob[] = [];

  async start(job: BulkJob): Promise<void> {
    this.started.push(job);
  }
}

/** Token buckets that grant everything, unless a test refuses the next takes. */
export class FakeRates implements RateLimiter {
  readonly takes: { name: RateName; n: number; granted: boolean; at?: number }[] = [];
  /** Takes refused next (reservations: none within the horizon), counted down. */
  refuseNext = 0;
  /** Reservations next given a turn `laterMs` from now (a queue ahead), counted down. */
  laterNext = 0;
  laterMs = 5_000;

  perSecond(_name: RateName): number {
    return 10;
  }

  async take(name: RateName, n = 1): Promise<Take> {
    const granted = this.refuseNext <= 0;
    if (!granted) this.refuseNext--;
    this.takes.push({ name, n, granted });
    return granted ? { granted: true } : { granted: false, retryInMs: 100 };
  }

  async reserve(name: RateName, n: number, horizonMs: number): Promise<Turn | null> {
    if (this.refuseNext > 0) {
      this.refuseNext--;
      this.takes.push({ name, n, granted: false });
      return null;
    }
    let at = Date.now();
    if (this.laterNext > 0) {
      this.laterNext--;
      at += this.laterMs;
      if (this.laterMs > horizonMs) {
        this.takes.push({ name, n, granted: false });
        return null;
      }
    }
    this.takes.push({ name, n, granted: true, at });
    return { rate: name, at };
  }
}
