import { describe, expect, it } from "vitest";
import { VirtualClock } from "../../infra/local/clock.ts";
import { type Activity, isBusy, waitUntilIdle } from "../../infra/local/idle.ts";

const quiet: Activity = {
  lambdasInFlight: 0,
  lambdasStarted: 5,
  dueTimers: 0,
  executionsRunning: 2,
  executionsParked: 2,
  deliveriesPending: 0,
};

describe("isBusy", () => {
  it("is idle when every running execution is parked and nothing is in flight", () => {
    expect(isBusy(quiet)).toBe(false);
    expect(isBusy({ ...quiet, executionsRunning: 0, executionsParked: 0 })).toBe(false);
  });

  it("is busy while a Lambda invocation or a due timer is in flight", () => {
    expect(isBusy({ ...quiet, lambdasInFlight: 1 })).toBe(true);
    expect(isBusy({ ...quiet, dueTimers: 1 })).toBe(true);
  });

  it("is busy while an event is not delivered yet (queued, in flight or backing off)", () => {
    expect(isBusy({ ...quiet, deliveriesPending: 1 })).toBe(true);
  });

  it("is busy while an execution runs without being parked (a step, a retry back-off)", () => {
    expect(isBusy({ ...quiet, executionsRunning: 3 })).toBe(true);
  });
});

describe("waitUntilIdle", () => {
  it("answers idle once nothing has happened for the quiet time", async () => {
    const result = await waitUntilIdle(() => quiet, { quietMs: 20, intervalMs: 2 });
    expect(result).toMatchObject({ idle: true, activity: quiet });
    expect(result.waitedMs).toBeGreaterThanOrEqual(20);
  });

  it("waits while something is in flight, and restarts the quiet time when anything starts", async () => {
    const started = Date.now();
    const now = (): Activity => {
      const ms = Date.now() - started;
      if (ms < 60) return { ...quiet, lambdasInFlight: 1 };
      // A new invocation started and ended between two looks: still not quiet for long.
      if (ms < 90) return { ...quiet, lambdasStarted: 6 };
      return { ...quiet, lambdasStarted: 7 };
    };
    const result = await waitUntilIdle(now, { quietMs: 40, intervalMs: 2 });
    expect(result.idle).toBe(true);
    expect(result.activity.lambdasStarted).toBe(7);
    expect(Date.now() - started).toBeGreaterThanOrEqual(130);
  });

  it("gives up after the timeout, saying what is busy", async () => {
    const busy = { ...quiet, executionsRunning: 3 };
    const result = await waitUntilIdle(() => busy, { timeoutMs: 50, intervalMs: 5 });
    expect(result).toMatchObject({ idle: false, activity: busy });
    expect(result.waitedMs).toBeGreaterThanOrEqual(50);
  });
});

describe("VirtualClock.dueTimers", () => {
  it("counts timers that are due until they have fired, not those set for later", async () => {
    const clock = new VirtualClock();
    try {
      let release: () => void = () => undefined;
      const firing = new Promise<void>((resolve) => {
        release = resolve;
      });
      clock.schedule(clock.nowMs() + 60_000, () => firing);
      clock.schedule(clock.nowMs() + 3_600_000, () => undefined);
      expect(clock.dueTimers()).toBe(0);
      const advanced = clock.advance(120);
      // The first timer is due and its callback has not settled; the second is not due.
      expect(clock.dueTimers()).toBe(1);
      release();
      await advanced;
      expect(clock.dueTimers()).toBe(0);
      expect(clock.pendingTimers()).toBe(1);
    } finally {
      clock.stop();
    }
  });
});
