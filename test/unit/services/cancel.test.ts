import { describe, expect, it } from "vitest";
import type { Line } from "../../../shared/domain/model.ts";
import { allocateWaiting } from "../../../shared/services/allocate.ts";
import { cancelFromLink, cancelLine, cancelUnpaid } from "../../../shared/services/cancel.ts";
import { chargeLine } from "../../../shared/services/charging.ts";
import { receiveStock } from "../../../shared/services/receive.ts";
import { planLineShipment } from "../../../shared/services/shipping.ts";
import { type Fakes, fakePorts } from "../../fakes/index.ts";

/** Forms a shipment of allocated lines and charges each: they are charged, in sh_1. */
async function chargedInShipment(f: Fakes, lines: Line[]) {
  const order = await f.orders.getOrder(lines[0]?.orderId ?? "");
  if (!order) throw new Error("no order");
  expect(await f.shipments.createShipment(order, lines, "sh_1", f.clock.now())).toBe(true);
  for (const l of lines) await chargeLine(f, l.orderId, l.lineId);
}

describe("cancelLine", () => {
  it("cancels a waiting line and releases what it was owed", async () => {
    const f = fakePorts();
    await f.given.sku("W");
    const { order, line } = await f.given.order([{ sku: "W", qty: 3 }]);
    expect(await f.catalog.getSku("W")).toMatchObject({ backorderedQty: 3 });

    const out = await cancelLine(f, order.orderId, line.lineId);

    expect(out).toEqual({ line: expect.objectContaining({ status: "cancelled" }), refund: null });
    expect((await f.given.line(line)).status).toBe("cancelled");
    expect(await f.catalog.getSku("W")).toMatchObject({
      onHand: 0,
      allocated: 0,
      backorderedQty: 0,
    });
    expect(await f.given.emails(order.orderId)).toEqual(["cancelled"]);
    expect(f.mailer.sent[0]?.text).toContain("You were not charged");
    expect(f.signals.wakes.map((w) => [w.lineId, w.reason])).toEqual([[line.lineId, "cancelled"]]);
  });

  it("an allocated line's units go to the next waiting line", async () => {
    const f = fakePorts();
    await f.given.sku("W", { onHand: 2 });
    const first = await f.given.order([{ sku: "W", qty: 2 }]);
    f.clock.advance({ minutes: 1 });
    const waiting = await f.given.order([{ sku: "W", qty: 2 }]);
    expect(waiting.line.status).toBe("backordered");
    await f.given.park(waiting.line, "stock");

    await cancelLine(f, first.order.orderId, first.line.lineId);

    expect((await f.given.line(first.line)).status).toBe("cancelled");
    expect((await f.given.line(waiting.line)).status).toBe("allocated");
    expect(await f.catalog.getSku("W")).toMatchObject({
      onHand: 2,
      allocated: 2,
      backorderedQty: 0,
    });
    expect(f.signals.wakes).toContainEqual(
      expect.objectContaining({
        lineId: waiting.line.lineId,
        reason: "allocated",
        outcome: "woken",
      }),
    );
  });

  it("a charged line is refunded and leaves its shipment, which goes on without it", async () => {
    const f = fakePorts();
    await f.given.sku("W", { onHand: 5 });
    const { order, lines } = await f.given.order([
      { sku: "W", qty: 1, unitPrice: 1500 },
      { sku: "W", qty: 2, unitPrice: 1000 },
    ]);
    const [cancelled, kept] = lines;
    if (!cancelled || !kept) throw new Error("two lines");
    await chargedInShipment(f, lines);
    await f.shipments.requestShipmentLine(await f.given.line(kept), f.clock.now());
    expect((await f.shipments.getShipment("sh_1"))?.status).toBe("forming");

    const out = await cancelLine(f, order.orderId, cancelled.lineId);

    expect(out.refund).toEqual({ amount: 1500, currency: "USD" });
    expect(f.gateway.refunds()).toEqual([
      expect.objectContaining({ key: `${cancelled.lineId}:refund`, amount: 1500 }),
    ]);
    expect((await f.given.line(cancelled)).refund?.amount).toBe(1500);
    const shipment = await f.shipments.getShipment("sh_1");
    expect(Object.keys(shipment?.lines ?? {})).toEqual([kept.lineId]);
    expect(shipment?.status).toBe("requested");
    expect(await f.catalog.getSku("W")).toMatchObject({ allocated: 2 });
    expect(f.mailer.to(order.customer.email, "cancelled")[0]?.text).toContain("We refunded $15.00");
  });

  it("the last line leaving a shipment cancels it", async () => {
    const f = fakePorts();
    await f.given.sku("W", { onHand: 5 });
    const { order, lines, line } = await f.given.order([{ sku: "W", qty: 1 }]);
    await chargedInShipment(f, lines);

    await cancelLine(f, order.orderId, line.lineId);

    expect((await f.shipments.getShipment("sh_1"))?.status).toBe("cancelled");
  });

  it("cancelling twice answers the same and refunds once", async () => {
    const f = fakePorts();
    await f.given.sku("W", { onHand: 5 });
    const { order, lines, line } = await f.given.order([{ sku: "W", qty: 1 }]);
    await chargedInShipment(f, lines);

    const first = await cancelLine(f, order.orderId, line.lineId);
    const second = await cancelLine(f, order.orderId, line.lineId);

    expect(second).toEqual(first);
    expect(first.refund).toEqual({ amount: 1000, currency: "USD" });
    expect(f.gateway.refundCalls).toHaveLength(1);
    // Charged, not yet stepped on (so no charged email yet): the cancel's email alone.
    expect(await f.given.emails(order.orderId)).toEqual(["cancelled"]);
    expect(await f.catalog.getSku("W")).toMatchObject({ onHand: 5, allocated: 0 });
  });

  it("refuses a shipped line: line-already-shipped", async () => {
    const f = fakePorts();
    await f.given.sku("W", { onHand: 5 });
    const { order, lines, line } = await f.given.order([{ sku: "W", qty: 1 }]);
    await chargedInShipment(f, lines);
    await f.shipments.requestShipmentLine(await f.given.line(line), f.clock.now());
    expect(await f.shipments.shipShipment("sh_1", "UPS", "1Z999", f.clock.now())).toBe("shipped");

    await expect(cancelLine(f, order.orderId, line.lineId)).rejects.toMatchObject({
      kind: "conflict",
      code: "line-already-shipped",
    });
    expect((await f.given.line(line)).status).toBe("shipped");
    expect(f.gateway.refundCalls).toEqual([]);
  });

  it("a line or order that does not exist is not-found", async () => {
    const f = fakePorts();
    await f.given.sku("W");
    const { order } = await f.given.order([{ sku: "W", qty: 1 }]);
    await expect(cancelLine(f, order.orderId, "ln_nope")).rejects.toMatchObject({
      kind: "not-found",
    });
    await expect(cancelLine(f, "ord_nope", "ln_001")).rejects.toMatchObject({ kind: "not-found" });
  });

  it("a line allocated between the read and the cancel is cancelled from where it is now", async () => {
    const f = fakePorts();
    await f.given.sku("W");
    const { order, line } = await f.given.order([{ sku: "W", qty: 2 }]);
    f.races.beforeNext("orders.cancelLine", async () => {
      await f.given.receipt("W", 2, "rc_1");
      await allocateWaiting(f, "W");
    });

    await cancelLine(f, order.orderId, line.lineId);

    const cancelled = await f.given.line(line);
    expect(cancelled.history.map((h) => h.status)).toEqual([
      "backordered",
      "allocated",
      "cancelled",
    ]);
    expect(await f.catalog.getSku("W")).toMatchObject({
      onHand: 2,
      allocated: 0,
      backorderedQty: 0,
    });
  });
});

describe("cancelUnpaid", () => {
  async function declined() {
    const f = fakePorts();
    await f.given.sku("W", { onHand: 1 });
    const { order, line } = await f.given.order([{ sku: "W", qty: 1 }], {
      paymentMethodRef: "pm_card_chargeDeclined",
    });
    await chargeLine(f, order.orderId, line.lineId);
    f.clock.advance({ minutes: 1 });
    const waiting = await f.given.order([{ sku: "W", qty: 1 }]);
    return { f, order, line, waiting: waiting.line };
  }

  it("cancels a declined line only once its payment window has closed", async () => {
    const { f, order, line, waiting } = await declined();
    f.clock.advance({ hours: 71 });
    expect(await cancelUnpaid(f, order.orderId, line.lineId)).toEqual({ cancelled: false });
    expect((await f.given.line(line)).status).toBe("awaiting_payment");

    f.clock.advance({ hours: 1 });
    expect(await cancelUnpaid(f, order.orderId, line.lineId)).toEqual({ cancelled: true });
    expect((await f.given.line(line)).status).toBe("cancelled");
    // Its unit goes on to the line waiting behind it.
    expect((await f.given.line(waiting)).status).toBe("allocated");
    expect(await f.given.emails(order.orderId)).toEqual(["payment_failed", "cancelled"]);
  });

  it("leaves a line whose customer gave a new payment method", async () => {
    const { f, order, line } = await declined();
    await f.charges.requestChargeRetry(order.orderId, line.lineId, "pm_card_visa", f.clock.now());
    f.clock.advance({ hours: 100 });
    expect(await cancelUnpaid(f, order.orderId, line.lineId)).toEqual({ cancelled: false });
    expect((await f.given.line(line)).status).toBe("awaiting_payment");
  });
});

describe("cancelFromLink (the customer's email link)", () => {
  /** 3 units backordered; 1 arrives: the line is split, its filled part is charged. */
  async function splitAndCharged() {
    const f = fakePorts();
    await f.given.sku("W", { onHand: 0, backorder: { allowed: true } });
    const { order, line } = await f.given.order([{ sku: "W", qty: 3, unitPrice: 1000 }]);
    await receiveStock(f, { receiptId: "r1", lines: [{ sku: "W", qty: 1 }] });
    await planLineShipment(f, order.orderId, line.lineId);
    expect((await chargeLine(f, order.orderId, line.lineId)).status).toBe("charged");
    const waiting = (await f.orders.listLines(order.orderId)).find(
      (l) => l.splitFrom === line.lineId,
    );
    if (!waiting) throw new Error("the line was not split");
    return { f, order, line, waiting };
  }

  it("after a split, cancels the part still waiting, never the part charged since", async () => {
    const { f, order, line, waiting } = await splitAndCharged();

    const out = await cancelFromLink(f, order.orderId, line.lineId);

    expect(out.line.lineId).toBe(waiting.lineId);
    expect((await f.given.line(waiting)).status).toBe("cancelled");
    const charged = await f.given.line(line);
    expect(charged.status).toBe("charged");
    expect(charged.refund ?? null).toBeNull();
    expect(f.gateway.refunds()).toEqual([]);
    expect((await f.catalog.getSku("W"))?.backorderedQty).toBe(0);
  });

  it("refuses when every part was filled since (nothing left waiting), cancelling nothing", async () => {
    const { f, order, line, waiting } = await splitAndCharged();
    await receiveStock(f, { receiptId: "r2", lines: [{ sku: "W", qty: 2 }] });
    expect((await f.given.line(waiting)).status).toBe("allocated");

    await expect(cancelFromLink(f, order.orderId, line.lineId)).rejects.toMatchObject({
      kind: "conflict",
      code: "nothing-left-waiting",
    });
    expect((await f.given.line(line)).status).toBe("charged");
    expect((await f.given.line(waiting)).status).toBe("allocated");
  });

  it("cancels a line never split as it is, whatever its status before shipping", async () => {
    const f = fakePorts();
    await f.given.sku("W", { onHand: 1 });
    const { order, line } = await f.given.order([{ sku: "W", qty: 1 }]);
    expect((await cancelFromLink(f, order.orderId, line.lineId)).line.status).toBe("cancelled");
  });
});
