import { describe, expect, it } from "vitest";
import { offeredSubstitutes, substituteLine } from "../../../shared/services/substitute.ts";
import { fakePorts } from "../../fakes/index.ts";
import type { SkuSeed } from "../../fakes/seed.ts";

/** A line of 2 × W waiting; W2 is offered instead of W, and X is not. */
async function waitingLine(w2: SkuSeed = { onHand: 5 }) {
  const f = fakePorts();
  await f.given.sku("W", { substitutes: ["W2"] });
  await f.given.sku("W2", w2);
  await f.given.sku("X", { onHand: 5 });
  const { order, line } = await f.given.order([{ sku: "W", qty: 2, unitPrice: 1200 }]);
  const substitute = (sku: string) => substituteLine(f, order.orderId, line.lineId, sku);
  return { f, order, line, substitute };
}

describe("substituteLine", () => {
  it("sells the substitute as a new line and cancels the waiting one", async () => {
    const { f, order, line, substitute } = await waitingLine();

    const made = await substitute("W2");

    expect(made).toEqual([
      expect.objectContaining({
        lineId: `${line.lineId}-s1`,
        sku: "W2",
        qty: 2,
        unitPrice: 1200,
        status: "allocated",
      }),
    ]);
    expect((await f.given.line(line)).status).toBe("cancelled");
    expect((await f.orders.listLines(order.orderId)).map((l) => [l.lineId, l.status])).toEqual([
      [line.lineId, "cancelled"],
      [`${line.lineId}-s1`, "allocated"],
    ]);
    expect(await f.catalog.getSku("W")).toMatchObject({ backorderedQty: 0 });
    expect(await f.catalog.getSku("W2")).toMatchObject({ onHand: 5, allocated: 2 });
    expect(f.workflow.executions.get(`${line.lineId}-s1`)).toEqual({
      orderId: order.orderId,
      lineId: `${line.lineId}-s1`,
    });
    expect(await f.given.emails(order.orderId)).toEqual(["cancelled"]);
  });

  it("a substitute out of stock but open to backorders waits in its own queue", async () => {
    const { f, line, substitute } = await waitingLine({ onHand: 0 });
    expect(await substitute("W2")).toEqual([
      expect.objectContaining({ lineId: `${line.lineId}-s1`, status: "backordered" }),
    ]);
    expect(await f.catalog.getSku("W2")).toMatchObject({ backorderedQty: 2 });
  });

  it("a repeated request sells nothing twice", async () => {
    const { f, order, substitute } = await waitingLine();
    const first = await substitute("W2");

    expect(await substitute("W2")).toEqual(first);

    expect(await f.orders.listLines(order.orderId)).toHaveLength(2);
    expect(await f.catalog.getSku("W2")).toMatchObject({ allocated: 2 });
    expect(f.db.writes.filter((w) => w === "orders.addLines")).toHaveLength(1);
    expect(await f.given.emails(order.orderId)).toEqual(["cancelled"]);
  });

  it("a replay after a crash before the cancel cancels the line and sells nothing twice", async () => {
    const { f, order, line, substitute } = await waitingLine();
    f.races.beforeNext("orders.cancelLine", () => {
      throw new Error("the function crashed");
    });
    await expect(substitute("W2")).rejects.toThrow("crashed");
    expect((await f.given.line(line)).status).toBe("backordered");

    expect(await substitute("W2")).toEqual([
      expect.objectContaining({ lineId: `${line.lineId}-s1` }),
    ]);
    expect((await f.given.line(line)).status).toBe("cancelled");
    expect(await f.catalog.getSku("W")).toMatchObject({ backorderedQty: 0 });
    expect(await f.catalog.getSku("W2")).toMatchObject({ allocated: 2 });
    expect(await f.orders.listLines(order.orderId)).toHaveLength(2);
  });

  it("stock taken meanwhile: plans again against what is left", async () => {
    const { f, line, substitute } = await waitingLine({ onHand: 2 });
    f.races.beforeNext("orders.addLines", async () => {
      await f.given.order([{ sku: "W2", qty: 1 }]);
    });

    // One unit is left to sell; the other is backordered, as intake would split it.
    expect((await substitute("W2")).map((l) => [l.lineId, l.qty, l.status])).toEqual([
      [`${line.lineId}-s1`, 1, "allocated"],
      [`${line.lineId}-s2`, 1, "backordered"],
    ]);
    expect(await f.catalog.getSku("W2")).toMatchObject({ allocated: 2, backorderedQty: 1 });
  });

  it("refuses an item not offered instead: not-a-substitute", async () => {
    const { f, line, substitute } = await waitingLine();
    const writes = f.db.writes.length;

    await expect(substitute("X")).rejects.toMatchObject({
      kind: "rejected",
      code: "not-a-substitute",
      details: { substitutes: ["W2"] },
    });
    expect(f.db.writes.slice(writes)).toEqual([]);
    expect((await f.given.line(line)).status).toBe("backordered");
  });

  it("a substitute that cannot be sold is a conflict and writes nothing", async () => {
    const { f, order, line, substitute } = await waitingLine({
      onHand: 1,
      backorder: { allowed: false },
    });
    const writes = f.db.writes.length;

    await expect(substitute("W2")).rejects.toMatchObject({
      kind: "conflict",
      code: "insufficient-stock",
    });
    expect(f.db.writes.slice(writes)).toEqual([]);
    expect((await f.given.line(line)).status).toBe("backordered");
    expect(await f.catalog.getSku("W")).toMatchObject({ backorderedQty: 2 });
    expect(await f.catalog.getSku("W2")).toMatchObject({ allocated: 0 });
    expect(f.workflow.starts).toEqual([]);
    expect(await f.given.emails(order.orderId)).toEqual([]);
  });

  it("only a waiting line can be substituted", async () => {
    const { f, order, line, substitute } = await waitingLine();
    await f.orders.cancelLine(line, f.clock.now());
    await expect(substitute("W2")).rejects.toMatchObject({
      kind: "conflict",
      code: "line-not-waiting",
    });
    await expect(substituteLine(f, order.orderId, "ln_nope", "W2")).rejects.toMatchObject({
      kind: "not-found",
    });
  });

  it("offers only substitutes that can be sold now for the line's quantity", async () => {
    const f = fakePorts();
    await f.given.sku("W", { substitutes: ["FREE", "WAITS", "GONE", "FEW", "NONE"] });
    await f.given.sku("FREE", { onHand: 5 });
    await f.given.sku("WAITS", { backorder: { allowed: true } });
    await f.given.sku("GONE", { backorder: { allowed: false } });
    await f.given.sku("FEW", { onHand: 1, backorder: { allowed: false } });
    const { line } = await f.given.order([{ sku: "W", qty: 2 }]);

    const offers = await offeredSubstitutes(f, [line]);

    expect(offers.get(line.lineId)).toEqual([
      { sku: "FREE", name: "Item FREE", available: 5 },
      { sku: "WAITS", name: "Item WAITS", available: 0 },
    ]);
    // A line past waiting is offered nothing.
    expect((await offeredSubstitutes(f, [{ ...line, status: "charged" }])).size).toBe(0);
  });

  it("a stockout substitute is not offered, and choosing it anyway answers 409", async () => {
    const { f, line, substitute } = await waitingLine({ backorder: { allowed: false } });
    expect((await offeredSubstitutes(f, [line])).get(line.lineId)).toEqual([]);
    await expect(substitute("W2")).rejects.toMatchObject({
      kind: "conflict",
      code: "insufficient-stock",
    });
  });
});
