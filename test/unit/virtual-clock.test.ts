import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, afterEach, describe, expect, it } from "vitest";
import { CLOCK_LIMIT_MS, MAX_ADVANCE_SECONDS, VirtualClock } from "../../infra/local/clock.ts";

const HOUR = 3_600_000;
const clocks: VirtualClock[] = [];
const dirs: string[] = [];

function newClock(stateFile?: string): VirtualClock {
  const clock = new VirtualClock(stateFile);
  clocks.push(clock);
  return clock;
}

afterEach(() => {
  for (const clock of clocks.splice(0)) clock.stop();
});

afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

describe("VirtualClock", () => {
  it("starts at real time", () => {
    const clock = newClock();
    expect(Math.abs(clock.nowMs() - Date.now())).toBeLessThan(1_000);
    expect(clock.now()).toBeInstanceOf(Date);
  });

  it("moves forward by the seconds advanced", async () => {
    const clock = newClock();
    const before = clock.nowMs();
    await clock.advance(14 * 86_400);
    const moved = clock.nowMs() - before;
    expect(moved).toBeGreaterThanOrEqual(14 * 86_400_000);
    expect(moved).toBeLessThan(14 * 86_400_000 + 1_000);
  });

  it("fires the timers that fall due, in time order, before advance resolves", async () => {
    const clock = newClock();
    const t0 = clock.nowMs();
    const fired: { name: string; at: number }[] = [];
    const record = (name: string) => () => {
      fired.push({ name, at: clock.nowMs() });
    };
    clock.schedule(t0 + 10 * HOUR, record("ten"));
    clock.schedule(t0 + 5 * HOUR, record("five"));
    clock.schedule(t0 + 7 * HOUR, async () => {
      await new Promise((resolve) => setTimeout(resolve, 5));
      fired.push({ name: "seven", at: clock.nowMs() });
    });
    clock.schedule(t0 + 100 * HOUR, record("hundred"));

    await clock.advance(12 * 3_600);

    expect(fired.map((f) => f.name)).toEqual(["five", "seven", "ten"]);
    for (const f of fired) expect(f.at).toBeGreaterThanOrEqual(t0 + 5 * HOUR);
    expect(clock.pendingTimers()).toBe(1);
  });

  it("does not fire a timer that is still in the future", async () => {
    const clock = newClock();
    let fired = false;
    clock.schedule(clock.nowMs() + 2 * HOUR, () => {
      fired = true;
    });
    await clock.advance(3_599);
    expect(fired).toBe(false);
    expect(clock.pendingTimers()).toBe(1);
    await clock.advance(3_602);
    expect(fired).toBe(true);
    expect(clock.pendingTimers()).toBe(0);
  });

  it("cancels a timer", async () => {
    const clock = newClock();
    const fired: string[] = [];
    const cancel = clock.schedule(clock.nowMs() + HOUR, () => {
      fired.push("cancelled");
    });
    clock.schedule(clock.nowMs() + HOUR, () => {
      fired.push("kept");
    });
    cancel();
    expect(clock.pendingTimers()).toBe(1);
    await clock.advance(2 * 3_600);
    expect(fired).toEqual(["kept"]);
  });

  it("fires a due timer scheduled by a firing timer in the same advance", async () => {
    const clock = newClock();
    const fired: string[] = [];
    clock.schedule(clock.nowMs() + HOUR, () => {
      fired.push("first");
      clock.schedule(clock.nowMs() - 1, () => {
        fired.push("follow-up");
      });
    });
    await clock.advance(2 * 3_600);
    expect(fired).toEqual(["first", "follow-up"]);
  });

  it("keeps going when a timer throws", async () => {
    const clock = newClock();
    const fired: string[] = [];
    clock.schedule(clock.nowMs() + HOUR, () => {
      throw new Error("timer failed");
    });
    clock.schedule(clock.nowMs() + 2 * HOUR, () => {
      fired.push("after");
    });
    await clock.advance(3 * 3_600);
    expect(fired).toEqual(["after"]);
  });

  it("refuses to go back or by a non-number", async () => {
    const clock = newClock();
    const before = clock.nowMs();
    await expect(clock.advance(-1)).rejects.toThrow(RangeError);
    await expect(clock.advance(Number.NaN)).rejects.toThrow(RangeError);
    await expect(clock.advance(Number.POSITIVE_INFINITY)).rejects.toThrow(RangeError);
    expect(clock.nowMs() - before).toBeLessThan(1_000);
  });

  it("persists its offset and a new clock reads it back", async () => {
    const dir = mkdtempSync(join(tmpdir(), "virtual-clock-"));
    dirs.push(dir);
    const file = join(dir, "nested", "clock.json");
    const first = newClock(file);
    await first.advance(3 * 86_400);
    const saved = JSON.parse(readFileSync(file, "utf8")) as { offsetMs: number };
    expect(saved.offsetMs).toBe(3 * 86_400_000);

    const second = newClock(file);
    const offset = second.nowMs() - Date.now();
    expect(offset).toBeGreaterThanOrEqual(3 * 86_400_000 - 50);
    expect(offset).toBeLessThanOrEqual(3 * 86_400_000 + 50);

    await second.advance(60);
    const third = newClock(file);
    expect(third.nowMs() - Date.now()).toBeGreaterThanOrEqual(3 * 86_400_000 + 60_000 - 50);
  });

  it("starts at real time when the state file does not exist", () => {
    const dir = mkdtempSync(join(tmpdir(), "virtual-clock-"));
    dirs.push(dir);
    const clock = newClock(join(dir, "absent.json"));
    expect(Math.abs(clock.nowMs() - Date.now())).toBeLessThan(1_000);
  });

  it("moves at most ten years a step and never past its limit", async () => {
    const clock = newClock();
    const before = clock.nowMs();
    await expect(clock.advance(1e13)).rejects.toThrow(RangeError);
    await expect(clock.advance(MAX_ADVANCE_SECONDS + 1)).rejects.toThrow(RangeError);
    expect(clock.nowMs() - before).toBeLessThan(1_000);
    // Step by step toward the limit: each step allowed, the last one only as far as it.
    while (clock.advanceRoom() >= MAX_ADVANCE_SECONDS) await clock.advance(MAX_ADVANCE_SECONDS);
    await expect(clock.advance(clock.advanceRoom() + 3600)).rejects.toThrow(RangeError);
    expect(clock.nowMs()).toBeLessThan(CLOCK_LIMIT_MS);
    expect(() => clock.now().toISOString()).not.toThrow();
  });

  it("does not take up a saved offset past its limit (written before it was bounded)", () => {
    const dir = mkdtempSync(join(tmpdir(), "virtual-clock-"));
    dirs.push(dir);
    const file = join(dir, "clock.json");
    writeFileSync(file, JSON.stringify({ offsetMs: 1e16 }));
    const clock = newClock(file);
    expect(Math.abs(clock.nowMs() - Date.now())).toBeLessThan(1_000);
    expect(() => clock.now().toISOString()).not.toThrow();
  });
});
