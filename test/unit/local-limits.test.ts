import { describe, expect, it } from "vitest";
import {
  AWS_LIMITS,
  LocalLimits,
  limitsFromEnv,
  parseLimits,
  SFN_OPERATIONS,
} from "../../infra/local/limits.ts";
import { TokenBucket } from "../../infra/local/token-bucket.ts";
import { ROUTE_THROTTLES, ROUTES, routeKeyOf } from "../../shared/http/routes.ts";

/** A real-time clock a test moves by hand. */
function manualTime(startMs = 1_000_000) {
  let now = startMs;
  return { now: () => now, pass: (ms: number) => (now += ms) };
}

const takes = (n: number, take: () => boolean) => Array.from({ length: n }, take);

describe("TokenBucket", () => {
  it("allows a burst of its size at once, then refuses", () => {
    const time = manualTime();
    const bucket = new TokenBucket({ bucket: 3, perSecond: 1 }, time.now);
    expect(takes(4, () => bucket.take())).toEqual([true, true, true, false]);
  });

  it("refills at its rate, continuously, never past its size", () => {
    const time = manualTime();
    const bucket = new TokenBucket({ bucket: 2, perSecond: 4 }, time.now);
    expect(takes(3, () => bucket.take())).toEqual([true, true, false]);
    time.pass(249);
    expect(bucket.take()).toBe(false);
    time.pass(1);
    expect(bucket.take()).toBe(true);
    time.pass(10_000);
    expect(bucket.available()).toBe(2);
    expect(takes(3, () => bucket.take())).toEqual([true, true, false]);
  });

  it("sustains exactly its rate under constant pressure", () => {
    const time = manualTime();
    const bucket = new TokenBucket({ bucket: 5, perSecond: 10 }, time.now);
    let allowed = 0;
    // 100 calls a second for 10 seconds: the burst, then 10 a second.
    for (let i = 0; i < 1000; i++) {
      if (bucket.take()) allowed++;
      time.pass(10);
    }
    expect(allowed).toBeGreaterThanOrEqual(104);
    expect(allowed).toBeLessThanOrEqual(105);
  });

  it("keeps fractional rates (a call every few seconds)", () => {
    const time = manualTime();
    const bucket = new TokenBucket({ bucket: 1, perSecond: 0.5 }, time.now);
    expect(takes(2, () => bucket.take())).toEqual([true, false]);
    time.pass(1999);
    expect(bucket.take()).toBe(false);
    time.pass(1);
    expect(bucket.take()).toBe(true);
  });

  it("refuses a bucket that could never allow a call", () => {
    expect(() => new TokenBucket({ bucket: 0, perSecond: 1 })).toThrow(/positive/);
    expect(() => new TokenBucket({ bucket: 1, perSecond: 0 })).toThrow(/positive/);
  });
});

describe("limits configuration", () => {
  it("defaults to AWS's values, every limit on", () => {
    const limits = parseLimits({});
    expect(limits.gatewayTimeoutMs).toBe(30_000);
    expect(limits.lambda).toEqual({ timeouts: true, timeoutSeconds: {} });
    expect(limits.ses).toEqual({ perSecond: 14, burst: 14 });
    expect(limits.payments).toEqual({ perSecond: 25, burst: 25 });
    expect(limits.iam).toBe(true);
    expect(Object.keys(limits.sfn).sort()).toEqual([...SFN_OPERATIONS].sort());
    // The Standard-workflow quotas of us-east-1.
    expect(limits.sfn.StartExecution).toEqual({ bucket: 1300, perSecond: 300 });
    expect(limits.sfn.SendTaskSuccess).toEqual({ bucket: 3000, perSecond: 500 });
    expect(limits.sfn.DescribeExecution).toEqual({ bucket: 300, perSecond: 15 });
    expect(limits.sfn.GetExecutionHistory).toEqual({ bucket: 400, perSecond: 20 });
    expect(limits.sfn.ListExecutions).toEqual({ bucket: 200, perSecond: 5 });
    expect(limits.sfn.StopExecution).toEqual({ bucket: 1000, perSecond: 200 });
    expect(limitsFromEnv(undefined)).toEqual(limits);
    expect(limitsFromEnv("  ")).toEqual(limits);
  });

  it("changes only what it names, and turns limits off with false", () => {
    const limits = limitsFromEnv(
      JSON.stringify({
        gatewayTimeoutMs: 5000,
        lambda: { timeoutSeconds: { "advance-line": 5 } },
        sfn: { StartExecution: { bucket: 10, perSecond: 2 }, DescribeExecution: false },
        ses: { perSecond: 5 },
        payments: { perSecond: 10, burst: 20 },
      }),
    );
    expect(limits.gatewayTimeoutMs).toBe(5000);
    expect(limits.lambda).toEqual({ timeouts: true, timeoutSeconds: { "advance-line": 5 } });
    expect(limits.sfn.StartExecution).toEqual({ bucket: 10, perSecond: 2 });
    expect(limits.sfn.DescribeExecution).toBe(false);
    expect(limits.sfn.SendTaskSuccess).toEqual(AWS_LIMITS.sfn.SendTaskSuccess);
    expect(limits.ses).toEqual({ perSecond: 5, burst: 5 });
    expect(limits.payments).toEqual({ perSecond: 10, burst: 20 });

    const off = parseLimits({
      gatewayTimeoutMs: false,
      lambda: { timeouts: false },
      sfn: false,
      ses: false,
      payments: false,
      iam: false,
    });
    expect(off.gatewayTimeoutMs).toBe(false);
    expect(off.lambda.timeouts).toBe(false);
    expect(Object.values(off.sfn).every((spec) => spec === false)).toBe(true);
    expect([off.ses, off.payments, off.iam]).toEqual([false, false, false]);
  });

  it.each([
    ["not JSON", "{gateway", /BACKORDER_LOCAL_LIMITS is not valid JSON/],
    ["an unknown key", '{"gatewayTimeout":5000}', /\(root\).*gatewayTimeout/],
    ["an unknown operation", '{"sfn":{"StartExecutions":{"bucket":1,"perSecond":1}}}', /sfn/],
    [
      "an unknown function",
      '{"lambda":{"timeoutSeconds":{"no-such":1}}}',
      /lambda\.timeoutSeconds/,
    ],
    ["a zero rate", '{"ses":{"perSecond":0}}', /ses/],
    ["a bucket without its rate", '{"sfn":{"StartExecution":{"bucket":5}}}', /sfn\.StartExecution/],
    [
      "a timeout past Lambda's 900 s",
      '{"lambda":{"timeoutSeconds":{"post-order":901}}}',
      /post-order/,
    ],
    ["a fractional gateway timeout", '{"gatewayTimeoutMs":1.5}', /gatewayTimeoutMs/],
    ["an array", "[]", /\(root\)/],
  ])("refuses %s with a readable message", (_, raw, message) => {
    expect(() => limitsFromEnv(raw)).toThrow(message);
    try {
      limitsFromEnv(raw);
    } catch (error) {
      expect((error as Error).message).toMatch(/^BACKORDER_LOCAL_LIMITS is not/);
    }
  });
});

describe("LocalLimits", () => {
  it("throttles each Step Functions operation on a bucket of its own", () => {
    const time = manualTime();
    const limits = new LocalLimits(
      parseLimits({
        sfn: {
          StartExecution: { bucket: 2, perSecond: 1 },
          SendTaskSuccess: { bucket: 1, perSecond: 1 },
          ListExecutions: false,
        },
      }),
      time.now,
    );
    expect(takes(3, () => limits.sfn("StartExecution"))).toEqual([true, true, false]);
    // Another operation's bucket is untouched; an unlimited one always goes.
    expect(takes(2, () => limits.sfn("SendTaskSuccess"))).toEqual([true, false]);
    expect(takes(500, () => limits.sfn("ListExecutions")).every(Boolean)).toBe(true);
    expect(limits.sfn("NoSuchOperation")).toBe(true);
    time.pass(1000);
    expect(takes(2, () => limits.sfn("StartExecution"))).toEqual([true, false]);
  });

  it("holds SES to its sending rate and payments to theirs, with a burst of a second's worth", () => {
    const time = manualTime();
    const limits = new LocalLimits(
      parseLimits({ ses: { perSecond: 2 }, payments: { perSecond: 3 } }),
      time.now,
    );
    expect(takes(3, () => limits.ses())).toEqual([true, true, false]);
    expect(takes(4, () => limits.payments())).toEqual([true, true, true, false]);
    time.pass(500);
    expect(takes(2, () => limits.ses())).toEqual([true, false]);
  });

  it("throttles each route on a bucket of its own, at its caller's rate, as the stage does", () => {
    const inForce = parseLimits({});
    const routes = inForce.routes as Record<string, unknown>;
    expect(Object.keys(routes).sort()).toEqual(ROUTES.map(routeKeyOf).sort());
    for (const route of ROUTES) {
      expect(routes[routeKeyOf(route)], routeKeyOf(route)).toEqual(ROUTE_THROTTLES[route.auth]);
    }

    const time = manualTime();
    const limits = new LocalLimits(parseLimits({ routes: { perSecond: 2, burst: 3 } }), time.now);
    // A supplier's flood empties its own route's bucket...
    const asn = "POST /v1/suppliers/{supplierId}/asns";
    expect(takes(4, () => limits.route(asn))).toEqual([true, true, true, false]);
    // ...and the storefront's routes still have all of theirs.
    expect(takes(4, () => limits.route("POST /v1/orders"))).toEqual([true, true, true, false]);
    time.pass(500);
    expect(takes(2, () => limits.route(asn))).toEqual([true, false]);
    // A key the table does not have is not the gateway's to throttle.
    expect(limits.route("GET /no-such")).toBe(true);

    const off = new LocalLimits(parseLimits({ routes: false }));
    expect(off.inForce.routes).toBe(false);
    expect(takes(5000, () => off.route("POST /v1/orders")).every(Boolean)).toBe(true);
  });

  it("with a limit off, lets every call through", () => {
    const limits = new LocalLimits(parseLimits({ ses: false, payments: false, sfn: false }));
    expect(takes(1000, () => limits.ses()).every(Boolean)).toBe(true);
    expect(takes(1000, () => limits.payments()).every(Boolean)).toBe(true);
    expect(takes(5000, () => limits.sfn("SendTaskSuccess")).every(Boolean)).toBe(true);
    expect(new LocalLimits(parseLimits({ gatewayTimeoutMs: false })).gatewayTimeoutMs).toBe(false);
  });
});
