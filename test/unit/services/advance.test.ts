import { describe, expect, it } from "vitest";
import { TERMINAL_LINE_STATUSES } from "../../../shared/domain/line-states.ts";
import { WAIT_STATUS } from "../../../shared/domain/waits.ts";
import { advanceLine } from "../../../shared/services/advance.ts";
import { backorderedAtIntake, backorderedEmailKey } from "../../../shared/services/place-order.ts";
import { receiveStock } from "../../../shared/services/receive.ts";
import { markDelivered, markShipped } from "../../../shared/services/shipping.ts";
import { fakePorts } from "../../fakes/index.ts";

describe("advanceLine", () => {
  it("takes a backordered line through its whole life in four steps, each email once", async () => {
    const f = fakePorts();
    await f.given.sku("W", { onHand: 0, backorder: { allowed: true, leadTimeDays: 10 } });
    const { order, line } = await f.given.order([{ sku: "W", qty: 1 }]);
    const step = () => advanceLine(f, order.orderId, line.lineId, { notify: "backordered" });

    // 1. Backordered: the backstop sends the backordered email; it waits for stock until
    //    its promise day ends.
    const first = await step();
    expect(first).toMatchObject({ status: "backordered", wait: "stock" });
    expect(first.waitSeconds).toBeGreaterThan(9 * 86_400);
    expect(await f.given.emails(order.orderId)).toEqual(["backordered"]);

    // 2. Stock arrives: one step plans the shipment, charges and requests it.
    await receiveStock(f, { receiptId: "r1", lines: [{ sku: "W", qty: 1 }] });
    expect(await step()).toMatchObject({ status: "shipment_requested", wait: "shipped" });
    expect(f.gateway.charges()).toHaveLength(1);
    const shipmentId = (await f.given.line(line)).shipmentId as string;
    expect((await f.shipments.getShipment(shipmentId))?.status).toBe("requested");

    // 3. Shipped: the shipped email, then it waits for delivery.
    await markShipped(f, shipmentId, "UPS", "1Z1");
    expect(await step()).toMatchObject({ status: "shipped", wait: "delivered" });

    // 4. Delivered: the delivered email, and the execution is done.
    await markDelivered(f, shipmentId);
    expect(await step()).toMatchObject({ status: "delivered", wait: null });

    expect(await f.given.emails(order.orderId)).toEqual([
      "backordered",
      "charged",
      "shipped",
      "delivered",
    ]);
    // A repeated step (a retry, a restart) does nothing more.
    expect(await step()).toMatchObject({ status: "delivered", wait: null });
    expect(f.gateway.charges()).toHaveLength(1);
    expect(await f.given.emails(order.orderId)).toHaveLength(4);
  });

  it("sends the charged email a crash kept from going, before it asks for the shipment", async () => {
    const f = fakePorts();
    await f.given.sku("W", { onHand: 1 });
    const { order, line } = await f.given.order([{ sku: "W", qty: 1 }]);
    // The charge is recorded, then the process dies before the email.
    f.races.afterNext("charges.recordCharge", () => {
      throw new Error("crashed after the charge was recorded");
    });
    await expect(advanceLine(f, order.orderId, line.lineId)).rejects.toThrow("crashed");
    expect((await f.given.line(line)).status).toBe("charged");
    expect(await f.given.emails(order.orderId)).toEqual([]);

    expect(await advanceLine(f, order.orderId, line.lineId)).toMatchObject({ wait: "shipped" });
    expect(await f.given.emails(order.orderId)).toEqual(["charged"]);
    expect(f.gateway.charges()).toHaveLength(1);
  });

  it("goes on when the provider keeps refusing an email: it is recorded failed", async () => {
    const f = fakePorts();
    await f.given.sku("W", { onHand: 1 });
    const { order, line } = await f.given.order([{ sku: "W", qty: 1 }]);
    // Refused at the charge, and again when the charged line looks for it before shipping.
    for (let i = 0; i < 6; i++) f.mailer.refuseNext();

    // The charged email fails; the line is charged and handed to the warehouse all the same.
    expect(await advanceLine(f, order.orderId, line.lineId)).toMatchObject({
      status: "shipment_requested",
      wait: "shipped",
    });
    expect(await f.notifications.listNotifications(order.orderId)).toEqual([
      expect.objectContaining({ kind: "charged", state: "failed" }),
    ]);
    expect(f.mailer.sent).toHaveLength(0);
  });

  it("waits only where the domain says a line waits, and ends only terminal lines", async () => {
    const f = fakePorts();
    await f.given.sku("W", { onHand: 1, backorder: { allowed: true } });
    await f.given.sku("X", { onHand: 0, backorder: { allowed: true } });
    const paid = await f.given.order([{ sku: "W", qty: 1 }]);
    const waiting = await f.given.order([{ sku: "X", qty: 1 }]);
    const declined = await f.given.order([{ sku: "X", qty: 1 }], {
      paymentMethodRef: "pm_card_chargeDeclined",
    });
    const stillWaiting = await f.given.order([{ sku: "X", qty: 1 }]);
    // Two units of X: the two oldest waiting lines get them; the third waits on.
    await receiveStock(f, { receiptId: "r2", lines: [{ sku: "X", qty: 2 }] });

    const steps = [
      await advanceLine(f, paid.order.orderId, paid.line.lineId),
      await advanceLine(f, waiting.order.orderId, waiting.line.lineId),
      await advanceLine(f, declined.order.orderId, declined.line.lineId),
      await advanceLine(f, stillWaiting.order.orderId, stillWaiting.line.lineId),
    ];
    for (const step of steps) {
      if (step.wait === null) expect(TERMINAL_LINE_STATUSES).toContain(step.status);
      else expect(WAIT_STATUS[step.wait]).toBe(step.status);
      expect(step.waitSeconds).toBeGreaterThanOrEqual(0);
    }
    expect(steps.map((s) => s.wait)).toEqual(["shipped", "shipped", "payment", "stock"]);
  });
});

describe("the backordered email's key", () => {
  it("stays what intake made it after a line is split or a substitute is added", async () => {
    const f = fakePorts();
    await f.given.sku("W", { onHand: 0, backorder: { allowed: true } });
    const { order, line } = await f.given.order([{ sku: "W", qty: 3 }]);
    const atIntake = backorderedEmailKey(await f.orders.listLines(order.orderId));
    await receiveStock(f, { receiptId: "r3", lines: [{ sku: "W", qty: 1 }] });
    const lines = await f.orders.listLines(order.orderId);
    expect(lines.some((l) => l.splitFrom === line.lineId)).toBe(true);
    expect(backorderedEmailKey(lines)).toBe(atIntake);
    expect(backorderedAtIntake(lines).map((l) => l.lineId)).toEqual([line.lineId]);
  });
});
