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
  /** Fail each call it applies to with this chance (0 < rate ≤ 1; default every call),
   * drawn from the faults' `seed`. */
  rate: z.number().gt(0).max(1).optional(),
};

/** Services whose SDK calls can be failed or crashed after (and the payment provider). */
export const FAULT_SERVICES = ["dynamodb", "sfn", "ses", "secretsmanager", "payments"] as const;

/** What a failed SDK call answers, as the services do when throttled or failing. */
export const SDK_ERROR_NAMES = [
  "InternalServerError",
  "ProvisionedThroughputExceededException",
  "ThrottlingException",
  "ServiceUnavailable",
] as const;

const functions = z.array(z.enum(FUNCTION_NAMES)).min(1).optional();

export const faultsSchema = z
  .object({
    /** Seeds the draws of every `rate` (a run can be repeated); default 1. */
    seed: z.number().int().optional(),
    /** Outside calls fail before they are made: AWS SDK calls (and the payment provider's)
     * of the services, operations and functions named (default: all). The function sees
     * the error after the SDK's own retries, as when a service is down or throttles on. */
    sdk: z
      .object({
        services: z.array(z.enum(FAULT_SERVICES)).min(1).optional(),
        operations: z.array(z.string().min(1)).min(1).optional(),
        functions,
        error: z.enum(SDK_ERROR_NAMES).default("InternalServerError"),
        ...span,
      })
      .strict()
      .optional(),
    /** The function crashes right after one of these calls succeeded (its write is done,
     * what came next is not): e.g. `TransactWriteItems` (after allocating, before the wake),
     * `charge` (after the charge, before it is recorded), `SendEmail` (after the email,
     * before it is marked sent). The invocation ends as a runtime that died. */
    crash: z
      .object({
        after: z.array(z.string().min(1)).min(1),
        services: z.array(z.enum(FAULT_SERVICES)).min(1).optional(),
        functions,
        ...span,
      })
      .strict()
      .optional(),
    /** The payment provider answers 429 rate_limit (the sandbox; Stripe's is the same). */
    payments: z
      .object({ ...span })
      .strict()
      .optional(),
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
export type FaultKind = Exclude<keyof ParsedFaults, "seed">;
type FaultSpec<K extends FaultKind> = NonNullable<ParsedFaults[K]>;

/** For how long a fault still fails calls: calls left, and when it ends (real time). */
export class FaultSchedule {
  private remaining: number | undefined;
  private readonly untilMs: number | undefined;
  private readonly rate: number | undefined;

  constructor(
    spec: {
      count?: number | undefined;
      forSeconds?: number | undefined;
      rate?: number | undefined;
    },
    nowMs: number,
    private readonly draw: () => number = Math.random,
  ) {
    this.remaining = spec.count;
    this.untilMs = spec.forSeconds === undefined ? undefined : nowMs + spec.forSeconds * 1000;
    this.rate = spec.rate;
  }

  /** Whether it still fails calls at `nowMs`. */
  active(nowMs: number): boolean {
    if (this.remaining !== undefined && this.remaining <= 0) return false;
    return this.untilMs === undefined || nowMs < this.untilMs;
  }

  /** True when this call is to fail; counts it. */
  take(nowMs: number): boolean {
    if (!this.active(nowMs)) return false;
    if (this.rate !== undefined && this.draw() >= this.rate) return false;
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
  private readonly counts = new Map<string, number>();

  constructor(
    initial: ParsedFaults = {},
    private readonly now: () => number = Date.now,
  ) {
    this.replace(initial);
  }

  /** Replaces every fault with these (PUT /_local/faults). */
  replace(faults: ParsedFaults): void {
    const at = this.now();
    const draw = seeded(faults.seed ?? 1);
    const active: Active = {};
    for (const kind of FAULT_KINDS) {
      const spec = faults[kind];
      if (spec) {
        (active as Record<string, unknown>)[kind] = {
          spec,
          schedule: new FaultSchedule(spec, at, draw),
        };
      }
    }
    this.active = active;
  }

  /** Clears every fault (DELETE /_local/faults). */
  clear(): void {
    this.active = {};
  }

  /** Faults injected since the stack started, by kind (and service and operation). */
  injected(): Record<string, number> {
    return Object.fromEntries(this.counts);
  }

  /** The error an outside call is to fail with before it is made, or undefined. */
  sdk(call: { service: string; operation: string; fn: string | undefined }): string | undefined {
    const fault = this.active.sdk;
    if (!fault || !applies(fault.spec, call)) return undefined;
    const spec = this.take("sdk");
    if (spec) this.count(`sdk ${call.service} ${call.operation}`);
    return spec?.error;
  }

  /** True when the function is to crash right after this call, which succeeded. */
  crash(call: { service: string; operation: string; fn: string | undefined }): boolean {
    const fault = this.active.crash;
    if (!fault?.spec.after.includes(call.operation) || !applies(fault.spec, call)) {
      return false;
    }
    const crashed = this.take("crash") !== undefined;
    if (crashed) this.count(`crash after ${call.service} ${call.operation}`);
    return crashed;
  }

  /** True when the payment provider is to answer this call with its rate limit. */
  payments(): boolean {
    const limited = this.take("payments") !== undefined;
    if (limited) this.count("payments rate_limit");
    return limited;
  }

  /** Counts an injected fault of another part of the stack (SES, Step Functions, Lambda). */
  count(what: string): void {
    this.counts.set(what, (this.counts.get(what) ?? 0) + 1);
  }

  /** The error SES is to answer this SendEmail with, or undefined to let it through. */
  ses(): SesErrorName | undefined {
    const error = this.take("ses")?.error;
    if (error) this.count(`ses ${error}`);
    return error;
  }

  /** The error Step Functions is to answer this SendTask* call with, or undefined. */
  sendTaskSuccess(): SfnRefusal | undefined {
    const error = this.take("sendTaskSuccess")?.error;
    if (error) this.count(`sfn SendTask* ${error}`);
    return error;
  }

  /** True when this Step Functions invocation of `functionName` is to be throttled. */
  lambda(functionName: string): boolean {
    const fault = this.active.lambda;
    if (!fault) return false;
    const named = fault.spec.functions;
    if (named && !named.some((n) => n === functionName)) return false;
    const throttled = this.take("lambda") !== undefined;
    if (throttled) this.count("lambda throttled");
    return throttled;
  }

  /** Milliseconds this invocation of `functionName` is to be slowed by (0: none). */
  latencyMs(functionName: string): number {
    const fault = this.active.latency;
    if (!fault) return 0;
    const named = fault.spec.functions;
    if (named && !named.some((n) => n === functionName)) return 0;
    const ms = this.take("latency")?.ms ?? 0;
    if (ms > 0) this.count("latency");
    return ms;
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

const FAULT_KINDS = [
  "sdk",
  "crash",
  "payments",
  "ses",
  "sendTaskSuccess",
  "lambda",
  "latency",
] as const satisfies readonly FaultKind[];

/** Whether a fault naming services, operations and functions applies to a call. */
function applies(
  spec: {
    services?: readonly string[];
    operations?: readonly string[];
    functions?: readonly string[];
  },
  call: { service: string; operation: string; fn: string | undefined },
): boolean {
  if (spec.services && !spec.services.includes(call.service)) return false;
  if (spec.operations && !spec.operations.includes(call.operation)) return false;
  if (spec.functions && !(call.fn && spec.functions.includes(call.fn))) return false;
  return true;
}

/** A seeded draw in [0, 1) (mulberry32): the same seed, the same faults for the same calls
 * (and the same requests for the fuzzer and the soak's driver). */
export function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

/** An AWS SDK service error as a client throws it once its retries are spent. */
export function sdkError(name: string, service: string, operation: string): Error {
  const error = new Error(`${name}: ${service} ${operation} failed (a local fault)`);
  error.name = name;
  const status = name === "InternalServerError" ? 500 : name === "ServiceUnavailable" ? 503 : 400;
  return Object.assign(error, {
    $fault: status >= 500 ? "server" : "client",
    $metadata: { httpStatusCode: status, attempts: 3 },
  });
}
