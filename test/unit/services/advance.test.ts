import { describe, expect, it } from "vitest";
import { TERMINAL_LINE_STATUSES } from "../../../shared/domain/line-states.ts";
import { EMAIL_CLAIM_LEASE_MS, EMAIL_SEND_ATTEMPTS } from "../../../shared/domain/notifications.ts";
import { WAIT_STATUS } from "../../../shared/domain/waits.ts";
import { advanceLine } from "../../../shared/services/advance.ts";
import { cancelLine } from "../../../shared/services/cancel.ts";
import { notifyCustomer } from "../../../shared/services/notify.ts";
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

  it("sends the charged email a line still owed when its parcel left first, then the shipment's emails", async () => {
    const f = fakePorts();
    await f.given.sku("W", { onHand: 1 });
    const { order, line } = await f.given.order([{ sku: "W", qty: 1 }]);
    // The shipment is requested, then the step dies before the email (it would have waited
    // for its turn at the email rate); the warehouse ships and delivers meanwhile.
    f.races.beforeNext("notifications.claimNotification", () => {
      throw new Error("cut off before the email");
    });
    await expect(advanceLine(f, order.orderId, line.lineId)).rejects.toThrow("cut off");
    const shipmentId = (await f.given.line(line)).shipmentId as string;
    expect((await f.shipments.getShipment(shipmentId))?.status).toBe("requested");
    await markShipped(f, shipmentId, "UPS", "1Z1");
    await markDelivered(f, shipmentId);
    expect(await f.given.emails(order.orderId)).toEqual([]);

    expect(await advanceLine(f, order.orderId, line.lineId)).toMatchObject({ wait: null });
    expect(await f.given.emails(order.orderId)).toEqual(["charged", "delivered"]);
    expect(f.gateway.charges()).toHaveLength(1);
  });

  it("fails the step when the charged email is throttled (claim released, send counted); the retried step sends it, charging once", async () => {
    const f = fakePorts();
    await f.given.sku("W", { onHand: 1 });
    const { order, line } = await f.given.order([{ sku: "W", qty: 1 }]);
    f.mailer.throttleNext();

    await expect(advanceLine(f, order.orderId, line.lineId)).rejects.toMatchObject({
      name: "EmailNotSent",
    });
    // The charge is recorded and the warehouse asked before the email: the email is owed.
    expect((await f.given.line(line)).status).toBe("shipment_requested");
    expect(f.notifications.stored(order.orderId, "charged")).toMatchObject({
      state: "refused",
      attempts: 1,
    });
    expect(await f.given.emails(order.orderId)).toEqual([]);

    // The machine retries the step: it reads the line afresh, sends the email, goes on.
    expect(await advanceLine(f, order.orderId, line.lineId)).toMatchObject({
      status: "shipment_requested",
      wait: "shipped",
    });
    expect(await f.given.emails(order.orderId)).toEqual(["charged"]);
    expect(f.notifications.stored(order.orderId, "charged")).toMatchObject({
      state: "sent",
      attempts: 2,
    });
    expect(f.gateway.charges()).toHaveLength(1);
    // Both sends carried the same message key.
    const [first, second] = f.mailer.tried;
    expect(first?.messageKey).toBeTruthy();
    expect(second?.messageKey).toBe(first?.messageKey);
  });

  it("records an email failed once its sends run out, and the step goes on: a line never fails because of email", async () => {
    const f = fakePorts();
    await f.given.sku("W", { onHand: 1 });
    const { order, line } = await f.given.order([{ sku: "W", qty: 1 }]);
    f.mailer.throttleNext(EMAIL_SEND_ATTEMPTS);

    for (let run = 1; run < EMAIL_SEND_ATTEMPTS; run++) {
      await expect(advanceLine(f, order.orderId, line.lineId), `run ${run}`).rejects.toMatchObject({
        name: "EmailNotSent",
      });
    }
    expect(await advanceLine(f, order.orderId, line.lineId)).toMatchObject({
      status: "shipment_requested",
      wait: "shipped",
    });
    expect(await f.notifications.listNotifications(order.orderId)).toEqual([
      expect.objectContaining({ kind: "charged", state: "failed", attempts: EMAIL_SEND_ATTEMPTS }),
    ]);
    expect(f.mailer.sent).toHaveLength(0);
    expect(f.gateway.charges()).toHaveLength(1);
  });

  it("keeps the claim of a send that may have gone, and sends it again only after the lease", async () => {
    const f = fakePorts();
    await f.given.sku("W", { onHand: 1 });
    const { order, line } = await f.given.order([{ sku: "W", qty: 1 }]);
    f.mailer.timeOutNext();

    const step = () => advanceLine(f, order.orderId, line.lineId);
    await expect(step()).rejects.toMatchObject({ name: "NotificationInFlight" });
    expect(f.notifications.stored(order.orderId, "charged")?.state).toBe("sending");
    // Retried before the lease ends: nothing is sent, the step waits again.
    f.clock.advance({ ms: EMAIL_CLAIM_LEASE_MS });
    await expect(step()).rejects.toMatchObject({ name: "NotificationInFlight" });
    expect(f.mailer.tried).toHaveLength(1);

    f.clock.advance({ ms: 1000 });
    expect(await step()).toMatchObject({ status: "shipment_requested" });
    expect(f.mailer.tried.map((e) => e.messageKey)).toEqual([
      f.mailer.sent[0]?.messageKey,
      f.mailer.sent[0]?.messageKey,
    ]);
    expect(await f.given.emails(order.orderId)).toEqual(["charged"]);
  });

  it("sends the backordered email the API recorded failed, with the machine's retries", async () => {
    const f = fakePorts();
    await f.given.sku("W", { onHand: 0, backorder: { allowed: true } });
    const { order, line } = await f.given.order([{ sku: "W", qty: 1 }]);
    // What the API did as it took the order: its quick sends were all throttled.
    f.mailer.throttleNext(3);
    expect(await notifyCustomer(f.notify, "backordered", order, [line])).toBe("failed");
    expect(await f.notifications.listNotifications(order.orderId)).toEqual([
      expect.objectContaining({ kind: "backordered", state: "failed", attempts: 3 }),
    ]);

    const first = () => advanceLine(f, order.orderId, line.lineId, { notify: "backordered" });
    f.mailer.throttleNext();
    await expect(first()).rejects.toMatchObject({ name: "EmailNotSent" });
    expect(await first()).toMatchObject({ status: "backordered", wait: "stock" });
    expect(await f.notifications.listNotifications(order.orderId)).toEqual([
      expect.objectContaining({ kind: "backordered", state: "sent", attempts: 5 }),
    ]);
    expect(f.mailer.sent).toHaveLength(1);
  });

  it("sends the cancelled email a cancel could not send, when the cancelled line's step runs", async () => {
    const f = fakePorts();
    await f.given.sku("W", { onHand: 0, backorder: { allowed: true } });
    const { order, line } = await f.given.order([{ sku: "W", qty: 1 }]);
    f.mailer.throttleNext(3);
    await cancelLine(f, order.orderId, line.lineId);
    expect(await f.notifications.listNotifications(order.orderId)).toEqual([
      expect.objectContaining({ kind: "cancelled", state: "failed" }),
    ]);

    expect(await advanceLine(f, order.orderId, line.lineId)).toMatchObject({
      status: "cancelled",
      wait: null,
    });
    expect(await f.given.emails(order.orderId)).toEqual(["cancelled"]);
    // Once: a repeated step finds it sent.
    await advanceLine(f, order.orderId, line.lineId);
    expect(f.mailer.sent).toHaveLength(1);
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
      else if (step.wait !== "turn") expect(WAIT_STATUS[step.wait]).toBe(step.status);
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
