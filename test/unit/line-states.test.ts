import { describe, expect, it } from "vitest";
import {
  assertTransition,
  canTransition,
  INITIAL_LINE_STATUSES,
  InvalidTransitionError,
  isLineStatus,
  LINE_STATUSES,
  LINE_TRANSITIONS,
  type LineStatus,
  TERMINAL_LINE_STATUSES,
} from "../../shared/domain/line-states.ts";

function next(status: LineStatus): readonly LineStatus[] {
  return LINE_TRANSITIONS[status];
}

/** Every status reachable from `starts` by following LINE_TRANSITIONS. */
function reachableFrom(starts: readonly LineStatus[]): Set<LineStatus> {
  const seen = new Set<LineStatus>(starts);
  const queue = [...starts];
  for (let s = queue.shift(); s !== undefined; s = queue.shift()) {
    for (const to of next(s)) {
      if (!seen.has(to)) {
        seen.add(to);
        queue.push(to);
      }
    }
  }
  return seen;
}

describe("line status transitions", () => {
  it("has one entry per status and only targets known statuses", () => {
    expect(Object.keys(LINE_TRANSITIONS).sort()).toEqual([...LINE_STATUSES].sort());
    for (const from of LINE_STATUSES) {
      for (const to of next(from)) expect(LINE_STATUSES).toContain(to);
    }
  });

  it("starts lines only in allocated or backordered", () => {
    expect([...INITIAL_LINE_STATUSES].sort()).toEqual(["allocated", "backordered"]);
  });

  it("reaches every status from an initial status", () => {
    const reached = reachableFrom(INITIAL_LINE_STATUSES);
    expect([...reached].sort()).toEqual([...LINE_STATUSES].sort());
  });

  it("leaves terminal statuses with no way out", () => {
    expect([...TERMINAL_LINE_STATUSES].sort()).toEqual(["cancelled", "delivered"]);
    for (const terminal of TERMINAL_LINE_STATUSES) expect(next(terminal)).toEqual([]);
  });

  it("lets every non-terminal status reach a terminal one", () => {
    for (const status of LINE_STATUSES) {
      if (TERMINAL_LINE_STATUSES.includes(status)) continue;
      expect(next(status).length, `${status} has no way forward`).toBeGreaterThan(0);
      const reached = reachableFrom([status]);
      expect(
        TERMINAL_LINE_STATUSES.some((t) => reached.has(t)),
        `${status} cannot finish`,
      ).toBe(true);
    }
  });

  it("can cancel every line that has not shipped yet, and none that has", () => {
    for (const status of ["backordered", "allocated", "awaiting_payment", "charged"] as const) {
      expect(canTransition(status, "cancelled"), status).toBe(true);
    }
    expect(canTransition("shipped", "cancelled")).toBe(false);
    expect(canTransition("delivered", "cancelled")).toBe(false);
  });

  it("follows the contract's happy path in order", () => {
    const path: LineStatus[] = [
      "backordered",
      "allocated",
      "charged",
      "shipment_requested",
      "shipped",
      "delivered",
    ];
    for (let i = 1; i < path.length; i++) {
      const from = path[i - 1] as LineStatus;
      const to = path[i] as LineStatus;
      expect(canTransition(from, to), `${from} → ${to}`).toBe(true);
    }
  });

  it("refuses skipping steps or going back from a terminal status", () => {
    expect(canTransition("backordered", "charged")).toBe(false);
    expect(canTransition("backordered", "shipped")).toBe(false);
    expect(canTransition("allocated", "shipped")).toBe(false);
    expect(canTransition("cancelled", "backordered")).toBe(false);
    expect(canTransition("delivered", "shipped")).toBe(false);
    expect(canTransition("charged", "charged")).toBe(false);
  });
});

describe("assertTransition", () => {
  it("passes an allowed transition", () => {
    expect(() => assertTransition("allocated", "charged")).not.toThrow();
  });

  it("throws a named InvalidTransitionError for a forbidden one", () => {
    let caught: unknown;
    try {
      assertTransition("shipped", "cancelled");
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(InvalidTransitionError);
    const error = caught as InvalidTransitionError;
    expect(error.name).toBe("InvalidTransitionError");
    expect(error.from).toBe("shipped");
    expect(error.to).toBe("cancelled");
    expect(error.message).toContain("shipped");
    expect(error.message).toContain("cancelled");
  });
});

describe("isLineStatus", () => {
  it("accepts every status", () => {
    for (const status of LINE_STATUSES) expect(isLineStatus(status)).toBe(true);
  });

  it("rejects anything else", () => {
    for (const value of [
      "",
      "Backordered",
      "open",
      "pending",
      null,
      undefined,
      1,
      {},
      ["allocated"],
    ]) {
      expect(isLineStatus(value), String(value)).toBe(false);
    }
  });
});
