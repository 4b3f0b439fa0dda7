import { describe, expect, it } from "vitest";
import {
  fillOldestFirst,
  linkTargetOf,
  putAway,
  splitPartsOf,
  splitRemainder,
} from "../../shared/domain/allocation.ts";
import type { LineStatus } from "../../shared/domain/line-states.ts";

const line = (lineId: string, qty: number) => ({ orderId: `o-${lineId}`, lineId, qty });

describe("fillOldestFirst", () => {
  it("fills the oldest lines first and splits the one it cannot fill whole", () => {
    const queue = [line("a", 2), line("b", 1), line("c", 3)];
    expect(fillOldestFirst(4, queue)).toEqual([
      { line: queue[0], qty: 2, remainder: 0 },
      { line: queue[1], qty: 1, remainder: 0 },
      { line: queue[2], qty: 1, remainder: 2 },
    ]);
  });

  it("never skips the head of the queue for a smaller line behind it", () => {
    const queue = [line("big", 5), line("small", 1)];
    expect(fillOldestFirst(1, queue)).toEqual([{ line: queue[0], qty: 1, remainder: 4 }]);
  });

  it("fills nothing from no units, and everything when there is enough", () => {
    const queue = [line("a", 2), line("b", 3)];
    expect(fillOldestFirst(0, queue)).toEqual([]);
    expect(fillOldestFirst(10, queue).map((f) => [f.qty, f.remainder])).toEqual([
      [2, 0],
      [3, 0],
    ]);
    expect(fillOldestFirst(5, [])).toEqual([]);
  });

  it("refuses negative or fractional units", () => {
    expect(() => fillOldestFirst(-1, [])).toThrow(RangeError);
    expect(() => fillOldestFirst(1.5, [])).toThrow(RangeError);
  });
});

describe("putAway", () => {
  it("is what the receipt brought beyond what waiting lines took", () => {
    expect(putAway(10, 4)).toBe(6);
    expect(putAway(4, 4)).toBe(0);
  });
});

describe("splitRemainder", () => {
  it("keeps the original's place and history but not its execution", () => {
    const original = {
      orderId: "ord_1",
      lineId: "ln_1",
      lineRef: "1",
      sku: "W",
      qty: 3,
      unitPrice: 100,
      currency: "USD",
      status: "backordered" as const,
      eta: null,
      promisedBy: "2026-12-20",
      createdAt: "2026-12-01T00:00:00.000Z",
      history: [{ status: "backordered" as const, at: "2026-12-01T00:00:00.000Z" }],
      lastContactAt: "2026-12-01T00:00:00.000Z",
      promiseEscalated: false,
      executionName: "ln_1-r1",
      executionRestarts: 1,
    };
    const rest = splitRemainder(original, "ln_2", 2);
    expect(rest).toMatchObject({
      lineId: "ln_2",
      qty: 2,
      status: "backordered",
      splitFrom: "ln_1",
      createdAt: original.createdAt,
      history: original.history,
    });
    expect(rest).not.toHaveProperty("executionName");
    expect(rest).not.toHaveProperty("executionRestarts");
  });
});

describe("linkTargetOf", () => {
  const part = (lineId: string, status: LineStatus, splitFrom?: string) => ({
    lineId,
    status,
    ...(splitFrom ? { splitFrom } : {}),
  });

  it("is the line itself while it waits or was never split", () => {
    expect(linkTargetOf([part("a", "backordered")], "a")?.lineId).toBe("a");
    expect(linkTargetOf([part("a", "charged")], "a")?.lineId).toBe("a");
  });

  it("after splits, the part still waiting, however deep; null when none waits", () => {
    const lines = [
      part("a", "charged"),
      part("b", "allocated", "a"),
      part("c", "backordered", "b"),
    ];
    expect(linkTargetOf(lines, "a")?.lineId).toBe("c");
    expect(splitPartsOf(lines, "a").map((l) => l.lineId)).toEqual(["b", "c"]);
    const filled = lines.map((l) => ({ ...l, status: "charged" as const }));
    expect(linkTargetOf(filled, "a")).toBeNull();
    expect(linkTargetOf(lines, "zz")).toBeUndefined();
  });
});
