/**
 * Faults the local stack can be told to inject, so tests (and people) can watch lines live
 * through the ordinary failures of AWS: SES refusing sends, Step Functions refusing
 * SendTaskSuccess, Lambda throttling the machine's tasks, a function running slowly. Configured at start from
 * `BACKORDER_LOCAL_FAULTS` (JSON) and changed at run time through `/_local/faults` on the
 * HTTP API. Each fault lasts for its next `count` calls or `forSeconds` of real time,
 * whichever ends first (neither: until cleared).
 */
import * as z from "zod";
import { FUNCTION_NAMES } from "../../shared/http/routes.ts";
import { SES_ERROR_NAMES, type SesErrorName } from "./ses-front.ts";
import { SFN_REFUSAL_NAMES, type SfnRefusal } from "./stepfunctions/errors.ts";

const span = {
  /** Fail this many calls, then stop. */
  count: z.number().int().positive().optional(),
  /** Fail calls for this many seconds of real time from when the fault is set. */
  forSeconds: z.number().positive().optional(),
};

export const faultsSchema = z
  .object({
    /** SES v2 SendEmail is refused as SES does: throttled (429), over a quota (400), or an
     * internal failure (500); see ses-front.ts. */
    ses: z
      .object({ error: z.enum(SES_ERROR_NAMES).default("TooManyRequestsException"), ...span })
      .strict()
      .optional(),
    /** The Step Functions API refuses SendTaskSuccess (and SendTaskFailure, SendTaskHeartbeat)
     * as AWS does when throttled (ThrottlingException, 400) or unavailable (503). */
    sendTaskSuccess: z
      .object({ error: z.enum(SFN_REFUSAL_NAMES).default("ThrottlingException"), ...span })
      .strict()
      .optional(),
    /** Step Functions' Lambda tasks fail with Lambda.TooManyRequestsException, for every
     * function or only the ones named. */
    lambda: z
      .object({ functions: z.array(z.enum(FUNCTION_NAMES)).min(1).optional(), ...span })
      .strict()
      .optional(),
    /** Invocations of every function, or of the ones named, take `ms` longer (a slow
     * dependency, a cold start): the delay counts toward the function's timeout and the
     * gateway's, so a call can be cut off as on AWS (limits.ts). */
    latency: z
      .object({
        functions: z.array(z.enum(FUNCTION_NAMES)).min(1).optional(),
        ms: z.number().int().positive().max(900_000),
        ...span,
      })
      .strict()
      .optional(),
  })
  .strict();

/** The faults as written (PUT body, `BACKORDER_LOCAL_FAULTS`). */
export type FaultsConfig = z.input<typeof faultsSchema>;
type ParsedFaults = z.output<typeof faultsSchema>;
export type FaultKind = keyof ParsedFaults;
type FaultSpec<K extends FaultKind> = NonNullable<ParsedFaults[K]>;

/** For how long a fault still fails calls: calls left, and when it ends (real time). */
export class FaultSchedule {
  private remaining: number | undefined;
  private readonly untilMs: number | undefined;

  constructor(
    spec: { count?: number | undefined; forSeconds?: number | undefined },
    nowMs: number,
  ) {
    this.remaining = spec.count;
    this.untilMs = spec.forSeconds === undefined ? undefined : nowMs + spec.forSeconds * 1000;
  }

  /** Whether it still fails calls at `nowMs`. */
  active(nowMs: number): boolean {
    if (this.remaining !== undefined && this.remaining <= 0) return false;
    return this.untilMs === undefined || nowMs < this.untilMs;
  }

  /** True when this call is to fail; counts it. */
  take(nowMs: number): boolean {
    if (!this.active(nowMs)) return false;
    if (this.remaining !== undefined) this.remaining--;
    return true;
  }

  /** What is left of it, for `GET /_local/faults`. */
  describe(nowMs: number): { remainingCalls?: number; remainingSeconds?: number } {
    return {
      ...(this.remaining === undefined ? {} : { remainingCalls: this.remaining }),
      ...(this.untilMs === undefined
        ? {}
        : { remainingSeconds: Math.max(0, (this.untilMs - nowMs) / 1000) }),
    };
  }
}

interface ActiveFault<K extends FaultKind> {
  spec: FaultSpec<K>;
  schedule: FaultSchedule;
}

type Active = { [K in FaultKind]?: ActiveFault<K> };

/** Parses a faults configuration; throws a readable Error when it is not one. */
export function parseFaults(value: unknown, where = "faults"): ParsedFaults {
  const result = faultsSchema.safeParse(value);
  if (!result.success) {
    const issues = result.error.issues
      .map((i) => `${i.path.length ? i.path.join(".") : "(root)"}: ${i.message}`)
      .join("; ");
    throw new Error(`${where} is not a valid faults configuration: ${issues}`);
  }
  return result.data;
}

/** `BACKORDER_LOCAL_FAULTS`: JSON faults to set at start (empty or unset: none). */
export function faultsFromEnv(raw: string | undefined): ParsedFaults {
  if (raw === undefined || raw.trim() === "") return {};
  let value: unknown;
  try {
    value = JSON.parse(raw);
  } catch {
    throw new Error("BACKORDER_LOCAL_FAULTS is not valid JSON");
  }
  return parseFaults(value, "BACKORDER_LOCAL_FAULTS");
}

/**
 * The faults in force. The parts of the stack ask it before each call they may fail
 * (`ses()`, `sendTaskSuccess()`, `lambda(name)`, `latencyMs(name)`); a call that is to fail uses up one of
 * the fault's calls. Time is real time (`now`), not the virtual clock.
 */
export class LocalFaults {
  private active: Active = {};

  constructor(
    initial: ParsedFaults = {},
    private readonly now: () => number = Date.now,
  ) {
    this.replace(initial);
  }

  /** Replaces every fault with these (PUT /_local/faults). */
  replace(faults: ParsedFaults): void {
    const at = this.now();
    const active: Active = {};
    if (faults.ses) active.ses = { spec: faults.ses, schedule: new FaultSchedule(faults.ses, at) };
    if (faults.sendTaskSuccess) {
      active.sendTaskSuccess = {
        spec: faults.sendTaskSuccess,
        schedule: new FaultSchedule(faults.sendTaskSuccess, at),
      };
    }
    if (faults.lambda) {
      active.lambda = { spec: faults.lambda, schedule: new FaultSchedule(faults.lambda, at) };
    }
    if (faults.latency) {
      active.latency = { spec: faults.latency, schedule: new FaultSchedule(faults.latency, at) };
    }
    this.active = active;
  }

  /** Clears every fault (DELETE /_local/faults). */
  clear(): void {
    this.active = {};
  }

  /** The error SES is to answer this SendEmail with, or undefined to let it through. */
  ses(): SesErrorName | undefined {
    return this.take("ses")?.error;
  }

  /** The error Step Functions is to answer this SendTask* call with, or undefined. */
  sendTaskSuccess(): SfnRefusal | undefined {
    return this.take("sendTaskSuccess")?.error;
  }

  /** True when this Step Functions invocation of `functionName` is to be throttled. */
  lambda(functionName: string): boolean {
    const fault = this.active.lambda;
    if (!fault) return false;
    const named = fault.spec.functions;
    if (named && !named.some((n) => n === functionName)) return false;
    return this.take("lambda") !== undefined;
  }

  /** Milliseconds this invocation of `functionName` is to be slowed by (0: none). */
  latencyMs(functionName: string): number {
    const fault = this.active.latency;
    if (!fault) return 0;
    const named = fault.spec.functions;
    if (named && !named.some((n) => n === functionName)) return 0;
    return this.take("latency")?.ms ?? 0;
  }

  /** The faults still in force, with what is left of each (GET /_local/faults). */
  describe(): Record<string, unknown> {
    const at = this.now();
    const out: Record<string, unknown> = {};
    for (const kind of Object.keys(this.active) as FaultKind[]) {
      const fault = this.active[kind];
      if (!fault?.schedule.active(at)) continue;
      out[kind] = { ...fault.spec, ...fault.schedule.describe(at) };
    }
    return out;
  }

  private take<K extends FaultKind>(kind: K): FaultSpec<K> | undefined {
    const fault = this.active[kind] as ActiveFault<K> | undefined;
    if (!fault) return undefined;
    const at = this.now();
    if (fault.schedule.take(at)) return fault.spec;
    if (!fault.schedule.active(at)) delete this.active[kind];
    return undefined;
  }
}
