/**
 * The limits the local stack enforces, so code meets locally what it meets on AWS: the
 * HTTP API's integration timeout and route throttles, each function's own timeout, Step
 * Functions' API throttling, SES's sending rate and the payment provider's rate limit. Every one is on by
 * default at the provider's value (below, with where each figure comes from) and can be
 * changed, or turned off with `false`, through `BACKORDER_LOCAL_LIMITS` (JSON) at start;
 * `GET /_local/limits` shows what is in force. Rates are token buckets on real time
 * (token-bucket.ts), never on the virtual clock.
 */
import * as z from "zod";
import {
  FUNCTION_NAMES,
  type FunctionName,
  ROUTE_THROTTLES,
  ROUTES,
  routeKeyOf,
} from "../../shared/http/routes.ts";
import { type BucketSpec, TokenBucket } from "./token-bucket.ts";

/** The Step Functions API operations the local endpoint serves, each throttled on its own
 * bucket as AWS does. */
export const SFN_OPERATIONS = [
  "StartExecution",
  "StopExecution",
  "DescribeExecution",
  "ListExecutions",
  "GetExecutionHistory",
  "SendTaskSuccess",
  "SendTaskFailure",
  "SendTaskHeartbeat",
  "DescribeStateMachine",
  "ListStateMachines",
] as const;
export type SfnOperation = (typeof SFN_OPERATIONS)[number];

/**
 * AWS's values. Step Functions: the Standard-workflow API quotas of US East (N. Virginia)
 * (also US West (Oregon) and Europe (Ireland); the other Regions' are lower), from "Step
 * Functions service quotas", https://docs.aws.amazon.com/step-functions/latest/dg/service-quotas.html
 * ("Quotas related to API action throttling"). The HTTP API's integration timeout is 30 s
 * and cannot be raised. SES: 14 emails a second, the sending rate AWS long gave an account
 * when it left the sandbox (the sandbox allows 1 a second; AWS now sets a production rate
 * by use case, so set yours). Stripe: 25 requests a second in test mode (100 in live mode),
 * https://docs.stripe.com/rate-limits.
 */
export const AWS_LIMITS = {
  gatewayTimeoutMs: 30_000,
  sfn: {
    StartExecution: { bucket: 1300, perSecond: 300 },
    StopExecution: { bucket: 1000, perSecond: 200 },
    DescribeExecution: { bucket: 300, perSecond: 15 },
    ListExecutions: { bucket: 200, perSecond: 5 },
    GetExecutionHistory: { bucket: 400, perSecond: 20 },
    SendTaskSuccess: { bucket: 3000, perSecond: 500 },
    SendTaskFailure: { bucket: 3000, perSecond: 500 },
    SendTaskHeartbeat: { bucket: 3000, perSecond: 500 },
    DescribeStateMachine: { bucket: 200, perSecond: 20 },
    ListStateMachines: { bucket: 100, perSecond: 5 },
  } satisfies Record<SfnOperation, BucketSpec>,
  ses: { perSecond: 14 },
  payments: { perSecond: 25 },
} as const;

/** Longest timeout a Lambda function can have. */
const LAMBDA_MAX_TIMEOUT_SECONDS = 900;

const off = z.literal(false);
const bucketSchema = z
  .object({ bucket: z.number().positive(), perSecond: z.number().positive() })
  .strict();
const rateSchema = z
  .object({
    perSecond: z.number().positive(),
    /** Calls allowed at once from a full bucket; defaults to one second's worth. */
    burst: z.number().positive().optional(),
  })
  .strict();

export const limitsSchema = z
  .object({
    /** Milliseconds the gateway waits for a handler before it answers 503. */
    gatewayTimeoutMs: z.union([z.number().int().positive(), off]).optional(),
    lambda: z
      .object({
        /** Fail invocations that run past their function's timeout (default true). */
        timeouts: z.boolean().optional(),
        /** Timeouts (seconds) to use instead of the template's, by function. */
        timeoutSeconds: z
          .partialRecord(
            z.enum(FUNCTION_NAMES),
            z.number().positive().max(LAMBDA_MAX_TIMEOUT_SECONDS),
          )
          .optional(),
      })
      .strict()
      .optional(),
    /** The HTTP API's route throttles (ROUTE_THROTTLES, each route a bucket of its own):
     * one rate for every route instead, or `false` to turn them off. */
    routes: z.union([rateSchema, off]).optional(),
    /** Buckets by operation, over AWS's; `false` turns one (or, for `sfn`, all) off. */
    sfn: z
      .union([off, z.partialRecord(z.enum(SFN_OPERATIONS), z.union([bucketSchema, off]))])
      .optional(),
    /** SES v2 SendEmail: the account's maximum sending rate. */
    ses: z.union([rateSchema, off]).optional(),
    /** The `sandbox` payment provider: Stripe's rate limit. */
    payments: z.union([rateSchema, off]).optional(),
    /** Refuse a function every call and secret its role in the template does not allow,
     * with AccessDeniedException (iam.ts; default true). */
    iam: z.boolean().optional(),
  })
  .strict();

/** The limits as written (`BACKORDER_LOCAL_LIMITS`). */
export type LimitsConfig = z.input<typeof limitsSchema>;

type Rate = { perSecond: number; burst: number };

/** The limits in force: AWS's, with the configuration's changes. `false`: not limited. */
export interface LimitsInForce {
  gatewayTimeoutMs: number | false;
  /** Each route's rate, by route key (`POST /v1/orders`); `false`: routes not throttled. */
  routes: Record<string, Rate> | false;
  lambda: { timeouts: boolean; timeoutSeconds: Partial<Record<FunctionName, number>> };
  sfn: Partial<Record<SfnOperation, BucketSpec | false>>;
  ses: Rate | false;
  payments: Rate | false;
  iam: boolean;
}

/** Parses a limits configuration; throws a readable Error when it is not one. */
export function parseLimits(value: unknown, where = "limits"): LimitsInForce {
  const result = limitsSchema.safeParse(value);
  if (!result.success) {
    const issues = readable(result.error.issues).join("; ");
    throw new Error(`${where} is not a valid limits configuration: ${issues}`);
  }
  const config = result.data;
  const rate = (
    given: z.output<typeof rateSchema> | false | undefined,
    fallback: { perSecond: number },
  ): Rate | false => {
    if (given === false) return false;
    const perSecond = given?.perSecond ?? fallback.perSecond;
    return { perSecond, burst: given?.burst ?? perSecond };
  };
  const sfn: LimitsInForce["sfn"] = {};
  for (const operation of SFN_OPERATIONS) {
    sfn[operation] =
      config.sfn === false ? false : (config.sfn?.[operation] ?? AWS_LIMITS.sfn[operation]);
  }
  const routes: LimitsInForce["routes"] =
    config.routes === false
      ? false
      : Object.fromEntries(
          ROUTES.map((route) => {
            const given = config.routes;
            const own = ROUTE_THROTTLES[route.auth];
            return [
              routeKeyOf(route),
              given ? { perSecond: given.perSecond, burst: given.burst ?? given.perSecond } : own,
            ];
          }),
        );
  return {
    gatewayTimeoutMs: config.gatewayTimeoutMs ?? AWS_LIMITS.gatewayTimeoutMs,
    routes,
    lambda: {
      timeouts: config.lambda?.timeouts ?? true,
      timeoutSeconds: config.lambda?.timeoutSeconds ?? {},
    },
    sfn,
    ses: rate(config.ses, AWS_LIMITS.ses),
    payments: rate(config.payments, AWS_LIMITS.payments),
    iam: config.iam ?? true,
  };
}

/**
 * Issues as `path: message`. A value that is a limit or `false` fails as a union; of its
 * branches, the ones that got inside the value say what is wrong with it.
 */
function readable(issues: readonly z.core.$ZodIssue[], base: PropertyKey[] = []): string[] {
  return issues.flatMap((issue) => {
    const path = [...base, ...issue.path];
    if (issue.code === "invalid_union") {
      const inside = issue.errors.filter(
        (branch) => !branch.every((i) => i.path.length === 0 && i.code !== "unrecognized_keys"),
      );
      if (inside.length > 0) return inside.flatMap((branch) => readable(branch, path));
      return [`${dotted(path)}: expected a limit, or false to turn it off`];
    }
    return [`${dotted(path)}: ${issue.message}`];
  });
}

const dotted = (path: readonly PropertyKey[]) =>
  path.length ? path.map(String).join(".") : "(root)";

/** `BACKORDER_LOCAL_LIMITS`: JSON changes to AWS's limits (empty or unset: AWS's). */
export function limitsFromEnv(raw: string | undefined): LimitsInForce {
  if (raw === undefined || raw.trim() === "") return parseLimits({});
  let value: unknown;
  try {
    value = JSON.parse(raw);
  } catch {
    throw new Error("BACKORDER_LOCAL_LIMITS is not valid JSON");
  }
  return parseLimits(value, "BACKORDER_LOCAL_LIMITS");
}

/**
 * The rate limits in force, as token buckets the parts of the stack ask before each call
 * they may refuse: `sfn(operation)`, `ses()`, `payments()` answer true when the call may
 * go ahead (and take its token). One instance serves the whole process, so every
 * invocation shares its buckets.
 */
export class LocalLimits {
  private readonly sfnBuckets = new Map<string, TokenBucket>();
  private readonly routeBuckets = new Map<string, TokenBucket>();
  private readonly sesBucket: TokenBucket | undefined;
  private readonly paymentsBucket: TokenBucket | undefined;

  constructor(
    readonly inForce: LimitsInForce = parseLimits({}),
    now: () => number = Date.now,
  ) {
    for (const [operation, spec] of Object.entries(inForce.sfn)) {
      if (spec) this.sfnBuckets.set(operation, new TokenBucket(spec, now));
    }
    const bucketOf = (rate: Rate | false) =>
      rate ? new TokenBucket({ bucket: rate.burst, perSecond: rate.perSecond }, now) : undefined;
    for (const [key, rate] of Object.entries(inForce.routes || {})) {
      this.routeBuckets.set(
        key,
        new TokenBucket({ bucket: rate.burst, perSecond: rate.perSecond }, now),
      );
    }
    this.sesBucket = bucketOf(inForce.ses);
    this.paymentsBucket = bucketOf(inForce.payments);
  }

  get gatewayTimeoutMs(): number | false {
    return this.inForce.gatewayTimeoutMs;
  }

  /** Whether a request on this route (its key, `POST /v1/orders`) may go ahead (else: the
   * gateway answers 429). */
  route(routeKey: string): boolean {
    return this.routeBuckets.get(routeKey)?.take() ?? true;
  }

  /** Whether this call of a Step Functions operation may go ahead (else: throttled). */
  sfn(operation: string): boolean {
    return this.sfnBuckets.get(operation)?.take() ?? true;
  }

  /** Whether this SendEmail may go ahead (else: the sending rate is exceeded). */
  ses(): boolean {
    return this.sesBucket?.take() ?? true;
  }

  /** Whether this payment request may go ahead (else: rate limited). */
  payments(): boolean {
    return this.paymentsBucket?.take() ?? true;
  }
}
