import { describe, expect, it } from "vitest";
import type { LineStatus } from "../../shared/domain/line-states.ts";
import { orderStatusOf, qtyBySku } from "../../shared/domain/model.ts";

const lines = (...statuses: LineStatus[]) => statuses.map((status) => ({ status }));

describe("orderStatusOf", () => {
  it("is open while any line is still on its way", () => {
    expect(orderStatusOf(lines("allocated", "backordered"))).toBe("open");
    expect(orderStatusOf(lines("delivered", "shipped"))).toBe("open");
    expect(orderStatusOf(lines("cancelled", "awaiting_payment"))).toBe("open");
  });

  it("is completed when every line is delivered or cancelled", () => {
    expect(orderStatusOf(lines("delivered"))).toBe("completed");
    expect(orderStatusOf(lines("delivered", "cancelled"))).toBe("completed");
  });

  it("is cancelled only when every line is", () => {
    expect(orderStatusOf(lines("cancelled", "cancelled"))).toBe("cancelled");
  });
});

describe("qtyBySku", () => {
  it("adds up the quantities of each SKU", () => {
    expect(
      qtyBySku([
        { sku: "A", qty: 2 },
        { sku: "B", qty: 1 },
        { sku: "A", qty: 3 },
      ]),
    ).toEqual(
      new Map([
        ["A", 5],
        ["B", 1],
      ]),
    );
  });
});
