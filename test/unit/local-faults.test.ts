import { describe, expect, it } from "vitest";
import {
  FaultSchedule,
  faultsFromEnv,
  LocalFaults,
  parseFaults,
} from "../../infra/local/faults.ts";

/** A real-time clock a test moves by hand. */
function manualTime(startMs = 1_000_000) {
  let now = startMs;
  return { now: () => now, pass: (seconds: number) => (now += seconds * 1000) };
}

describe("FaultSchedule", () => {
  it("fails the next `count` calls, then none", () => {
    const schedule = new FaultSchedule({ count: 2 }, 0);
    expect([schedule.take(0), schedule.take(0), schedule.take(0)]).toEqual([true, true, false]);
    expect(schedule.active(0)).toBe(false);
  });

  it("fails calls for `forSeconds` of real time from when it was set", () => {
    const schedule = new FaultSchedule({ forSeconds: 5 }, 10_000);
    expect(schedule.take(10_000)).toBe(true);
    expect(schedule.take(14_999)).toBe(true);
    expect(schedule.take(15_000)).toBe(false);
    expect(schedule.describe(12_000)).toEqual({ remainingSeconds: 3 });
  });

  it("with both, ends at whichever comes first", () => {
    const byCount = new FaultSchedule({ count: 1, forSeconds: 60 }, 0);
    expect([byCount.take(0), byCount.take(1000)]).toEqual([true, false]);
    const byTime = new FaultSchedule({ count: 100, forSeconds: 1 }, 0);
    expect([byTime.take(0), byTime.take(1000)]).toEqual([true, false]);
    expect(byTime.describe(500)).toEqual({ remainingCalls: 99, remainingSeconds: 0.5 });
  });

  it("with neither, fails every call until cleared", () => {
    const schedule = new FaultSchedule({}, 0);
    expect(schedule.take(0) && schedule.take(10 ** 12)).toBe(true);
    expect(schedule.describe(0)).toEqual({});
  });
});

describe("LocalFaults", () => {
  it("fails SES sends with the error asked for (throttled by default), counted per call", () => {
    const faults = new LocalFaults(parseFaults({ ses: { count: 2 } }));
    expect([faults.ses(), faults.ses(), faults.ses()]).toEqual([
      "TooManyRequestsException",
      "TooManyRequestsException",
      undefined,
    ]);
    faults.replace(parseFaults({ ses: { error: "InternalFailure" } }));
    expect(faults.ses()).toBe("InternalFailure");
    faults.clear();
    expect(faults.ses()).toBeUndefined();
  });

  it("throttles only the Lambda functions named, and counts only their calls", () => {
    const faults = new LocalFaults(parseFaults({ lambda: { functions: ["park-line"], count: 1 } }));
    expect(faults.lambda("advance-line")).toBe(false);
    expect(faults.lambda("park-line")).toBe(true);
    expect(faults.lambda("park-line")).toBe(false);
    faults.replace(parseFaults({ lambda: {} }));
    expect(faults.lambda("advance-line") && faults.lambda("post-order")).toBe(true);
  });

  it("refuses SendTaskSuccess for its time, and shows what is left of each fault", () => {
    const time = manualTime();
    const faults = new LocalFaults(
      parseFaults({
        sendTaskSuccess: { error: "ServiceUnavailable", forSeconds: 10 },
        ses: { count: 3 },
      }),
      time.now,
    );
    expect(faults.sendTaskSuccess()).toBe("ServiceUnavailable");
    time.pass(4);
    expect(faults.describe()).toEqual({
      sendTaskSuccess: { error: "ServiceUnavailable", forSeconds: 10, remainingSeconds: 6 },
      ses: { error: "TooManyRequestsException", count: 3, remainingCalls: 3 },
    });
    time.pass(6);
    expect(faults.sendTaskSuccess()).toBeUndefined();
    expect(Object.keys(faults.describe())).toEqual(["ses"]);
  });

  it("slows only the functions named, by its milliseconds, for its calls", () => {
    const faults = new LocalFaults(
      parseFaults({ latency: { functions: ["put-sku"], ms: 2500, count: 2 } }),
    );
    expect(faults.latencyMs("get-sku")).toBe(0);
    expect([faults.latencyMs("put-sku"), faults.latencyMs("put-sku")]).toEqual([2500, 2500]);
    expect(faults.latencyMs("put-sku")).toBe(0);
    faults.replace(parseFaults({ latency: { ms: 10 } }));
    expect([faults.latencyMs("advance-line"), faults.latencyMs("post-order")]).toEqual([10, 10]);
    expect(faults.describe()).toEqual({ latency: { ms: 10 } });
  });

  it("replaces every fault at once: what the new configuration leaves out ends", () => {
    const faults = new LocalFaults(parseFaults({ ses: {}, lambda: {} }));
    faults.replace(parseFaults({ sendTaskSuccess: {} }));
    expect(faults.ses()).toBeUndefined();
    expect(faults.lambda("advance-line")).toBe(false);
    expect(faults.sendTaskSuccess()).toBe("ThrottlingException");
  });
});

describe("faults configuration", () => {
  it("is read from BACKORDER_LOCAL_FAULTS, empty meaning none", () => {
    expect(faultsFromEnv(undefined)).toEqual({});
    expect(faultsFromEnv(" ")).toEqual({});
    expect(faultsFromEnv('{"ses":{"forSeconds":30}}')).toEqual({
      ses: { error: "TooManyRequestsException", forSeconds: 30 },
    });
  });

  it("refuses what is not a faults configuration, saying where", () => {
    expect(() => faultsFromEnv("{ses")).toThrow(/not valid JSON/);
    expect(() => faultsFromEnv('{"ses":{"count":0}}')).toThrow(/ses\.count/);
    expect(() => parseFaults({ ses: { error: "Nope" } })).toThrow(/ses\.error/);
    expect(() => parseFaults({ lambda: { functions: ["no-such-function"] } })).toThrow(
      /lambda\.functions/,
    );
    expect(() => parseFaults({ dynamodb: {} })).toThrow();
    expect(() => parseFaults({ ses: { count: 1, extra: true } })).toThrow();
    expect(() => parseFaults({ latency: { functions: ["get-sku"] } })).toThrow(/latency\.ms/);
    expect(() => parseFaults({ latency: { ms: 0 } })).toThrow(/latency\.ms/);
  });
});
