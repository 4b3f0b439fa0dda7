import { describe, expect, it } from "vitest";
import { addDays } from "../../shared/domain/dates.ts";
import {
  backorderRoom,
  freeToPromise,
  type IntakePlan,
  nextEtaOf,
  type PlannedLine,
  planOrder,
  promisedByFor,
  type RequestedLine,
  type SkuSnapshot,
} from "../../shared/domain/order-intake.ts";

const TODAY = "2026-11-24";

function snapshot(sku: string, overrides: Partial<SkuSnapshot> = {}): SkuSnapshot {
  return {
    sku,
    onHand: 0,
    allocated: 0,
    backorderedQty: 0,
    backorder: { allowed: true },
    nextEta: null,
    ...overrides,
  };
}

function stockOf(...skus: SkuSnapshot[]): Map<string, SkuSnapshot> {
  return new Map(skus.map((s) => [s.sku, s]));
}

function line(lineRef: string, sku: string, qty: number, unitPrice = 1000): RequestedLine {
  return { lineRef, sku, qty, unitPrice };
}

function okLines(plan: IntakePlan): PlannedLine[] {
  if (!plan.ok) throw new Error(`expected an ok plan, got ${JSON.stringify(plan)}`);
  return plan.lines;
}

describe("planOrder: serving lines", () => {
  it("allocates every line from stock when there is enough", () => {
    const stock = stockOf(
      snapshot("WIDGET", { onHand: 10, allocated: 4 }),
      snapshot("GADGET", { onHand: 3 }),
    );
    const plan = planOrder(
      [line("1", "WIDGET", 6, 1999), line("2", "GADGET", 3, 500)],
      stock,
      TODAY,
    );
    expect(plan).toEqual({
      ok: true,
      lines: [
        {
          lineRef: "1",
          sku: "WIDGET",
          qty: 6,
          unitPrice: 1999,
          status: "allocated",
          eta: null,
          promisedBy: TODAY,
        },
        {
          lineRef: "2",
          sku: "GADGET",
          qty: 3,
          unitPrice: 500,
          status: "allocated",
          eta: null,
          promisedBy: TODAY,
        },
      ],
      deltas: [
        { sku: "WIDGET", allocate: 6, backorder: 0 },
        { sku: "GADGET", allocate: 3, backorder: 0 },
      ],
    });
  });

  it("backorders a whole line when the SKU has no free stock", () => {
    const stock = stockOf(
      snapshot("WIDGET", {
        onHand: 5,
        allocated: 5,
        backorder: { allowed: true, leadTimeDays: 14 },
      }),
    );
    const plan = planOrder([line("1", "WIDGET", 4)], stock, TODAY);
    expect(plan).toEqual({
      ok: true,
      lines: [
        {
          lineRef: "1",
          sku: "WIDGET",
          qty: 4,
          unitPrice: 1000,
          status: "backordered",
          eta: null,
          promisedBy: "2026-12-08",
        },
      ],
      deltas: [{ sku: "WIDGET", allocate: 0, backorder: 4 }],
    });
  });

  it("treats over-allocated stock as no free stock rather than negative", () => {
    const stock = stockOf(snapshot("WIDGET", { onHand: 2, allocated: 5 }));
    const lines = okLines(planOrder([line("1", "WIDGET", 3)], stock, TODAY));
    expect(lines.map((l) => [l.status, l.qty])).toEqual([["backordered", 3]]);
  });

  it("splits a partly available line: allocated part first, same lineRef, quantities add up", () => {
    const stock = stockOf(snapshot("WIDGET", { onHand: 10, allocated: 7, nextEta: "2026-12-10" }));
    const plan = planOrder([line("A", "WIDGET", 5, 1999)], stock, TODAY);
    const lines = okLines(plan);
    expect(lines).toEqual([
      {
        lineRef: "A",
        sku: "WIDGET",
        qty: 3,
        unitPrice: 1999,
        status: "allocated",
        eta: null,
        promisedBy: TODAY,
      },
      {
        lineRef: "A",
        sku: "WIDGET",
        qty: 2,
        unitPrice: 1999,
        status: "backordered",
        eta: "2026-12-10",
        promisedBy: "2026-12-10",
      },
    ]);
    expect(lines.reduce((sum, l) => sum + l.qty, 0)).toBe(5);
    expect(plan.ok && plan.deltas).toEqual([{ sku: "WIDGET", allocate: 3, backorder: 2 }]);
  });

  it("lets lines of the same SKU draw on the same free stock in request order", () => {
    const stock = stockOf(snapshot("WIDGET", { onHand: 5 }));
    const plan = planOrder(
      [line("1", "WIDGET", 3), line("2", "WIDGET", 3), line("3", "WIDGET", 1)],
      stock,
      TODAY,
    );
    const lines = okLines(plan);
    expect(lines.map((l) => [l.lineRef, l.status, l.qty])).toEqual([
      ["1", "allocated", 3],
      ["2", "allocated", 2],
      ["2", "backordered", 1],
      ["3", "backordered", 1],
    ]);
    expect(plan.ok && plan.deltas).toEqual([{ sku: "WIDGET", allocate: 5, backorder: 2 }]);
  });

  it("accepts a plain record of snapshots as well as a map", () => {
    const plan = planOrder(
      [line("1", "WIDGET", 2)],
      { WIDGET: snapshot("WIDGET", { onHand: 2 }) },
      TODAY,
    );
    expect(okLines(plan).map((l) => [l.status, l.qty])).toEqual([["allocated", 2]]);
  });

  it("does not modify the snapshots it is given", () => {
    const widget = snapshot("WIDGET", { onHand: 2, allocated: 1, backorderedQty: 3 });
    const before = structuredClone(widget);
    planOrder([line("1", "WIDGET", 4)], stockOf(widget), TODAY);
    expect(widget).toEqual(before);
  });
});

describe("planOrder: insufficient stock", () => {
  it("fails a stockout SKU without enough free stock, reporting requested and available", () => {
    const stock = stockOf(
      snapshot("WIDGET", { onHand: 10 }),
      snapshot("RARE", { onHand: 5, allocated: 2, backorder: { allowed: false } }),
    );
    const plan = planOrder([line("1", "WIDGET", 1), line("2", "RARE", 4)], stock, TODAY);
    expect(plan).toEqual({
      ok: false,
      reason: "insufficient-stock",
      shortages: [{ lineRef: "2", sku: "RARE", requested: 4, available: 3 }],
    });
  });

  it("serves a stockout SKU that has enough free stock", () => {
    const stock = stockOf(
      snapshot("RARE", { onHand: 5, allocated: 2, backorder: { allowed: false } }),
    );
    const lines = okLines(planOrder([line("1", "RARE", 3)], stock, TODAY));
    expect(lines.map((l) => [l.status, l.qty])).toEqual([["allocated", 3]]);
  });

  it("accepts a backorder that exactly reaches the limit", () => {
    const stock = stockOf(
      snapshot("WIDGET", {
        onHand: 98, // 3 free once the 95 waiting units are set aside
        backorderedQty: 95,
        backorder: { allowed: true, limit: 100 },
      }),
    );
    const plan = planOrder([line("1", "WIDGET", 8)], stock, TODAY);
    expect(plan.ok && plan.deltas).toEqual([{ sku: "WIDGET", allocate: 3, backorder: 5 }]);
  });

  it("fails a backorder that passes the limit by one, available = free stock + room", () => {
    const stock = stockOf(
      snapshot("WIDGET", {
        onHand: 98, // 3 free once the 95 waiting units are set aside
        backorderedQty: 95,
        backorder: { allowed: true, limit: 100 },
      }),
    );
    const plan = planOrder([line("1", "WIDGET", 9)], stock, TODAY);
    expect(plan).toEqual({
      ok: false,
      reason: "insufficient-stock",
      shortages: [{ lineRef: "1", sku: "WIDGET", requested: 9, available: 8 }],
    });
  });

  it("counts earlier lines of the same SKU against the limit", () => {
    const stock = stockOf(
      snapshot("WIDGET", { onHand: 1, backorder: { allowed: true, limit: 4 } }),
    );
    const plan = planOrder([line("1", "WIDGET", 3), line("2", "WIDGET", 3)], stock, TODAY);
    expect(plan).toEqual({
      ok: false,
      reason: "insufficient-stock",
      shortages: [{ lineRef: "2", sku: "WIDGET", requested: 3, available: 2 }],
    });
  });

  it("reports every failing line, not just the first", () => {
    const stock = stockOf(
      snapshot("RARE", { onHand: 1, backorder: { allowed: false } }),
      snapshot("WIDGET", { onHand: 10 }),
      snapshot("CAPPED", { backorderedQty: 8, backorder: { allowed: true, limit: 10 } }),
    );
    const plan = planOrder(
      [line("1", "RARE", 2), line("2", "WIDGET", 4), line("3", "CAPPED", 5)],
      stock,
      TODAY,
    );
    expect(plan).toEqual({
      ok: false,
      reason: "insufficient-stock",
      shortages: [
        { lineRef: "1", sku: "RARE", requested: 2, available: 1 },
        { lineRef: "3", sku: "CAPPED", requested: 5, available: 2 },
      ],
    });
  });

  it("reports zero available when the limit is already used up and nothing is free", () => {
    const stock = stockOf(
      snapshot("WIDGET", { backorderedQty: 12, backorder: { allowed: true, limit: 10 } }),
    );
    const plan = planOrder([line("1", "WIDGET", 1)], stock, TODAY);
    expect(plan.ok === false && plan.reason === "insufficient-stock" && plan.shortages).toEqual([
      { lineRef: "1", sku: "WIDGET", requested: 1, available: 0 },
    ]);
  });
});

describe("planOrder: unknown SKUs", () => {
  it("lists every unknown SKU once, in request order", () => {
    const stock = stockOf(snapshot("WIDGET", { onHand: 10 }));
    const plan = planOrder(
      [
        line("1", "NOPE", 1),
        line("2", "WIDGET", 1),
        line("3", "ALSO-NOPE", 1),
        line("4", "NOPE", 2),
      ],
      stock,
      TODAY,
    );
    expect(plan).toEqual({ ok: false, reason: "unknown-sku", skus: ["NOPE", "ALSO-NOPE"] });
  });

  it("takes precedence over insufficient stock", () => {
    const stock = stockOf(snapshot("RARE", { backorder: { allowed: false } }));
    const plan = planOrder([line("1", "RARE", 5), line("2", "NOPE", 1)], stock, TODAY);
    expect(plan).toEqual({ ok: false, reason: "unknown-sku", skus: ["NOPE"] });
  });

  it("does not mistake inherited object keys for SKUs", () => {
    const plan = planOrder([line("1", "constructor", 1)], {}, TODAY);
    expect(plan).toEqual({ ok: false, reason: "unknown-sku", skus: ["constructor"] });
  });
});

describe("promisedBy and eta", () => {
  const backordered = (s: SkuSnapshot, options?: { defaultPromiseDays?: number }) => {
    const [planned] = okLines(planOrder([line("1", s.sku, 1)], stockOf(s), TODAY, options));
    return planned;
  };

  it("uses the next ETA when inbound stock is expected, ahead of the lead time", () => {
    const planned = backordered(
      snapshot("WIDGET", { nextEta: "2026-12-01", backorder: { allowed: true, leadTimeDays: 60 } }),
    );
    expect(planned).toMatchObject({ eta: "2026-12-01", promisedBy: "2026-12-01" });
  });

  it("falls back to today + lead time, with no eta", () => {
    const planned = backordered(
      snapshot("WIDGET", { backorder: { allowed: true, leadTimeDays: 14 } }),
    );
    expect(planned).toMatchObject({ eta: null, promisedBy: "2026-12-08" });
  });

  it("falls back to today + 30 days when neither is known", () => {
    const planned = backordered(snapshot("WIDGET"));
    expect(planned).toMatchObject({ eta: null, promisedBy: "2026-12-24" });
  });

  it("uses a custom default when given one", () => {
    const planned = backordered(snapshot("WIDGET"), { defaultPromiseDays: 7 });
    expect(planned).toMatchObject({ eta: null, promisedBy: "2026-12-01" });
  });

  it("promises today with no eta for allocated lines even when the SKU has an ETA", () => {
    const stock = stockOf(
      snapshot("WIDGET", {
        onHand: 1,
        nextEta: "2026-12-01",
        backorder: { allowed: true, leadTimeDays: 14 },
      }),
    );
    const [allocated] = okLines(planOrder([line("1", "WIDGET", 1)], stock, TODAY));
    expect(allocated).toMatchObject({ status: "allocated", eta: null, promisedBy: TODAY });
  });

  it("promisedByFor follows the same rules", () => {
    const s = snapshot("WIDGET", { backorder: { allowed: true, leadTimeDays: 3 } });
    expect(promisedByFor("allocated", s, TODAY)).toBe(TODAY);
    expect(promisedByFor("backordered", s, TODAY)).toBe(addDays(TODAY, 3));
    expect(promisedByFor("backordered", { ...s, nextEta: "2027-01-05" }, TODAY)).toBe("2027-01-05");
    expect(promisedByFor("backordered", snapshot("X"), TODAY)).toBe(addDays(TODAY, 30));
    expect(promisedByFor("backordered", snapshot("X"), TODAY, 10)).toBe(addDays(TODAY, 10));
  });
});

describe("waiting lines come first", () => {
  it("keeps stock owed to waiting lines away from a new order", () => {
    // 5 units arrived while 4 units wait: only 1 is free for a newcomer.
    const stock = stockOf(snapshot("WIDGET", { onHand: 5, backorderedQty: 4 }));
    const plan = planOrder([line("1", "WIDGET", 3)], stock, TODAY);
    expect(okLines(plan).map((l) => [l.status, l.qty])).toEqual([
      ["allocated", 1],
      ["backordered", 2],
    ]);
  });

  it("freeToPromise subtracts allocated and waiting units, never below 0", () => {
    expect(freeToPromise({ onHand: 10, allocated: 4, backorderedQty: 0 })).toBe(6);
    expect(freeToPromise({ onHand: 10, allocated: 4, backorderedQty: 2 })).toBe(4);
    expect(freeToPromise({ onHand: 10, allocated: 4, backorderedQty: 12 })).toBe(0);
  });

  it("a stockout SKU with waiting lines (policy changed later) sells only the surplus", () => {
    const stock = stockOf(
      snapshot("RARE", { onHand: 5, backorderedQty: 3, backorder: { allowed: false } }),
    );
    expect(planOrder([line("1", "RARE", 3)], stock, TODAY)).toEqual({
      ok: false,
      reason: "insufficient-stock",
      shortages: [{ lineRef: "1", sku: "RARE", requested: 3, available: 2 }],
    });
  });
});

describe("nextEtaOf", () => {
  it("prefers the inbound ETA, then today + lead time, else null", () => {
    expect(nextEtaOf({ backorder: { leadTimeDays: 14 } }, "2026-12-10", TODAY)).toBe("2026-12-10");
    expect(nextEtaOf({ backorder: { leadTimeDays: 14 } }, null, TODAY)).toBe(addDays(TODAY, 14));
    expect(nextEtaOf({ backorder: { leadTimeDays: 0 } }, null, TODAY)).toBe(TODAY);
    expect(nextEtaOf({ backorder: {} }, null, TODAY)).toBeNull();
  });
});

describe("backorderRoom", () => {
  it("is 0 when backorders are not allowed, even with a limit", () => {
    expect(backorderRoom(snapshot("X", { backorder: { allowed: false, limit: 50 } }))).toBe(0);
  });

  it("is unbounded when there is no limit", () => {
    expect(backorderRoom(snapshot("X", { backorderedQty: 1000 }))).toBe(Number.POSITIVE_INFINITY);
  });

  it("is what is left under the limit, never negative", () => {
    expect(
      backorderRoom(snapshot("X", { backorderedQty: 7, backorder: { allowed: true, limit: 10 } })),
    ).toBe(3);
    expect(
      backorderRoom(snapshot("X", { backorderedQty: 12, backorder: { allowed: true, limit: 10 } })),
    ).toBe(0);
  });
});

describe("planOrder guards", () => {
  const stock = stockOf(snapshot("WIDGET", { onHand: 10 }));

  it.each([0, -1, 1.5, Number.NaN, Number.POSITIVE_INFINITY])("rejects qty %s", (qty) => {
    expect(() => planOrder([line("1", "WIDGET", qty)], stock, TODAY)).toThrow(RangeError);
  });

  it("rejects a bad quantity even on an unknown SKU", () => {
    expect(() => planOrder([line("1", "NOPE", 0)], stock, TODAY)).toThrow(RangeError);
  });

  it("rejects a negative or fractional default promise", () => {
    expect(() =>
      planOrder([line("1", "WIDGET", 1)], stock, TODAY, { defaultPromiseDays: -1 }),
    ).toThrow(RangeError);
    expect(() =>
      planOrder([line("1", "WIDGET", 1)], stock, TODAY, { defaultPromiseDays: 2.5 }),
    ).toThrow(RangeError);
  });
});

describe("the ETA of a backordered line from inbound notices", () => {
  const inbound = [
    { asnId: "A", supplierId: "s", qty: 5, estimatedDeliveryAt: "2026-12-10T00:00:00Z" },
    { asnId: "B", supplierId: "s", qty: 50, estimatedDeliveryAt: "2027-01-20T00:00:00Z" },
  ];

  it("is when the line's last unit comes, after the queue and this order's earlier lines", () => {
    const stock = stockOf(snapshot("W", { nextEta: "2026-12-10", inbound }));
    const big = okLines(planOrder([line("1", "W", 20)], stock, TODAY));
    expect(big.map((l) => [l.eta, l.promisedBy])).toEqual([["2027-01-20", "2027-01-20"]]);
    const two = okLines(planOrder([line("1", "W", 3), line("2", "W", 3)], stock, TODAY));
    expect(two.map((l) => l.eta)).toEqual(["2026-12-10", "2027-01-20"]);
    const queued = stockOf(snapshot("W", { backorderedQty: 4, inbound }));
    expect(okLines(planOrder([line("1", "W", 1)], queued, TODAY))[0]?.eta).toBe("2026-12-10");
    expect(okLines(planOrder([line("1", "W", 2)], queued, TODAY))[0]?.eta).toBe("2027-01-20");
  });

  it("is unknown when inbound does not cover the line: the lead time promises it", () => {
    const stock = stockOf(
      snapshot("W", { inbound, backorder: { allowed: true, leadTimeDays: 90 } }),
    );
    const [only] = okLines(planOrder([line("1", "W", 60)], stock, TODAY));
    expect(only).toMatchObject({ eta: null, promisedBy: addDays(TODAY, 90) });
  });
});
