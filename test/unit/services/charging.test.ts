import { describe, expect, it } from "vitest";
import { advanceLine } from "../../../shared/services/advance.ts";
import { cancelLine } from "../../../shared/services/cancel.ts";
import { chargeLine, updatePaymentMethod } from "../../../shared/services/charging.ts";
import { planLineShipment } from "../../../shared/services/shipping.ts";
import { fakePorts } from "../../fakes/index.ts";

const DECLINING = "pm_card_chargeDeclined";

/** A SKU in stock and an order of 2 units at 10.00 each: its line is allocated, and its
 * shipment formed (as the line's step does before it charges). */
async function allocatedLine(paymentMethodRef = "pm_card_visa") {
  const f = fakePorts();
  await f.given.sku("W", { onHand: 5 });
  const { order, line } = await f.given.order([{ sku: "W", qty: 2, unitPrice: 1000 }], {
    paymentMethodRef,
  });
  await planLineShipment(f, order.orderId, line.lineId);
  return { f, order, line, charge: () => chargeLine(f, order.orderId, line.lineId) };
}

describe("chargeLine", () => {
  it("charges an allocated line with the key of attempt 1; its step asks the warehouse, then emails `charged`", async () => {
    const { f, order, line, charge } = await allocatedLine();

    const out = await charge();

    const [made] = f.gateway.charges();
    expect(made).toEqual({
      key: `${line.lineId}:charge:1`,
      chargeId: expect.any(String),
      amount: 2000,
      paymentMethodRef: "pm_card_visa",
    });
    expect(out).toEqual({ status: "charged", chargeId: made?.chargeId });
    const charged = await f.given.line(line);
    expect(charged.status).toBe("charged");
    expect(charged.charge).toEqual({
      chargeId: made?.chargeId,
      amount: 2000,
      currency: "USD",
      attempt: 1,
    });
    expect(charged.chargingAttempt).toBeUndefined();
    // The email is the step's, sent after the shipment is requested (it may wait its turn).
    expect(await f.given.emails(order.orderId)).toEqual([]);
    expect(await advanceLine(f, order.orderId, line.lineId)).toMatchObject({
      status: "shipment_requested",
      wait: "shipped",
    });
    expect(await f.given.emails(order.orderId)).toEqual(["charged"]);
    expect(f.mailer.sent[0]?.text).toContain("We charged $20.00");
  });

  it("the `charged` email leaves the line's last contact alone: only a waiting line's timers run from it", async () => {
    const { f, order, line, charge } = await allocatedLine();
    const before = (await f.given.line(line)).lastContactAt;
    f.clock.advance({ hours: 1 });
    await charge();
    await advanceLine(f, order.orderId, line.lineId);
    expect(await f.given.emails(order.orderId)).toEqual(["charged"]);
    expect((await f.given.line(line)).lastContactAt).toBe(before);
  });

  it("a repeated step charges nothing again and sends no second email", async () => {
    const { f, order, charge } = await allocatedLine();
    const first = await charge();
    expect(await charge()).toEqual(first);
    expect(f.gateway.chargeCalls).toHaveLength(1);
    expect(f.mailer.sent).toHaveLength(1);

    const declined = await allocatedLine(DECLINING);
    await declined.charge();
    expect(await declined.charge()).toEqual({ status: "awaiting_payment" });
    expect(declined.f.gateway.chargeCalls).toHaveLength(1);
    expect(await declined.f.given.emails(declined.order.orderId)).toEqual(["payment_failed"]);
    expect(declined.f.mailer.sent).toHaveLength(1);
    expect(await f.given.emails(order.orderId)).toEqual(["charged"]);
  });

  it("a decline waits for a new payment method until the window closes", async () => {
    const { f, order, line, charge } = await allocatedLine(DECLINING);

    expect(await charge()).toEqual({ status: "awaiting_payment", decline: "card_declined" });

    const declined = await f.given.line(line);
    expect(declined.status).toBe("awaiting_payment");
    expect(declined.paymentDueBy).toBe("2026-11-27T10:00:00.000Z"); // now + 72 hours
    expect(declined.chargeAttempts).toBe(1);
    expect(declined.chargingAttempt).toBeUndefined();
    expect(declined.charge).toBeUndefined();
    expect(f.gateway.chargeCalls.map((c) => c.idempotencyKey)).toEqual([`${line.lineId}:charge:1`]);
    expect(f.gateway.charges()).toEqual([]);
    expect(await f.given.emails(order.orderId)).toEqual(["payment_failed"]);
  });

  it("after a new payment method, charges attempt 2 with it", async () => {
    const { f, order, line, charge } = await allocatedLine(DECLINING);
    await charge();
    await f.given.park(line, "payment");
    f.clock.advance({ hours: 5 });

    expect(await updatePaymentMethod(f, order.orderId, "pm_card_mastercard")).toEqual([
      line.lineId,
    ]);
    expect((await f.orders.getOrder(order.orderId))?.payment.paymentMethodRef).toBe(
      "pm_card_mastercard",
    );
    expect(f.signals.woken()).toEqual([line.lineId]);

    expect(await charge()).toMatchObject({ status: "charged" });
    expect(f.gateway.charges()).toEqual([
      expect.objectContaining({
        key: `${line.lineId}:charge:2`,
        paymentMethodRef: "pm_card_mastercard",
      }),
    ]);
    const charged = await f.given.line(line);
    expect(charged.charge?.attempt).toBe(2);
    expect(charged.paymentDueBy).toBeUndefined();
    await advanceLine(f, order.orderId, line.lineId);
    expect(await f.given.emails(order.orderId)).toEqual(["payment_failed", "charged"]);
  });

  it("a second decline does not extend the payment window", async () => {
    const { f, order, line, charge } = await allocatedLine(DECLINING);
    await charge();
    f.clock.advance({ hours: 24 });
    await updatePaymentMethod(f, order.orderId, "pm_card_chargeDeclinedExpiredCard");

    expect(await charge()).toEqual({ status: "awaiting_payment", decline: "expired_card" });
    const declined = await f.given.line(line);
    expect(declined.paymentDueBy).toBe("2026-11-27T10:00:00.000Z");
    expect(declined.chargeAttempts).toBe(2);
    expect(f.metrics.of("ChargeDeclines")).toBe(2);
    expect(declined.declinedAt).toEqual(["2026-11-24T10:00:00.000Z", "2026-11-25T10:00:00.000Z"]);
    expect(await f.given.emails(order.orderId)).toEqual(["payment_failed", "payment_failed"]);
  });

  it("a new method given while the step that declined the last one runs is the one charged next", async () => {
    const { f, order, line, charge } = await allocatedLine(DECLINING);
    await charge();
    await updatePaymentMethod(f, order.orderId, "pm_card_chargeDeclinedExpiredCard");
    // The step charging the expired card has read the order; the customer gives a third
    // method just before its decline is recorded. The step goes on with the line as it is
    // now (to be charged again), but the order as it read it.
    f.races.beforeNext("charges.recordDecline", () =>
      updatePaymentMethod(f, order.orderId, "pm_card_visa"),
    );
    expect(await advanceLine(f, order.orderId, line.lineId)).toMatchObject({
      status: "shipment_requested",
    });
    expect(f.gateway.charges().map((c) => c.paymentMethodRef)).toEqual(["pm_card_visa"]);
    const charged = await f.given.line(line);
    expect(charged.charge?.attempt).toBe(3);
    expect(charged.retryMethod).toBeUndefined();
  });

  it("of two methods given at once, the later one is charged", async () => {
    const { f, order, line, charge } = await allocatedLine(DECLINING);
    await charge();
    await updatePaymentMethod(f, order.orderId, "pm_card_chargeDeclinedExpiredCard");
    // The step has read the line (to be charged with the expired card) when the visa comes.
    f.races.beforeNext("charges.beginChargeAttempt", () =>
      updatePaymentMethod(f, order.orderId, "pm_card_visa"),
    );
    await advanceLine(f, order.orderId, line.lineId);
    expect(f.gateway.charges().map((c) => c.paymentMethodRef)).toEqual(["pm_card_visa"]);
    expect((await f.given.line(line)).charge?.attempt).toBe(2);
  });

  it("a line not awaiting payment is not retried by a new payment method", async () => {
    const { f, order, line } = await allocatedLine();
    expect(await updatePaymentMethod(f, order.orderId, "pm_card_mastercard")).toEqual([]);
    expect((await f.given.line(line)).retryCharge).toBeUndefined();
    expect(f.signals.wakes).toEqual([]);
    await expect(updatePaymentMethod(f, "ord_missing", "pm_x")).rejects.toMatchObject({
      kind: "not-found",
    });
  });

  it("after a crash between the charge and its record, the replay reuses the key: one charge", async () => {
    const { f, order, line, charge } = await allocatedLine();
    f.races.beforeNext("charges.recordCharge", () => {
      throw new Error("the function crashed");
    });
    await expect(charge()).rejects.toThrow("crashed");
    const cut = await f.given.line(line);
    expect(cut.status).toBe("allocated");
    expect(cut.chargingAttempt).toBe(1);

    // The customer changes the payment method meanwhile: the attempt keeps its own.
    await f.charges.setPaymentMethod(order.orderId, "pm_card_mastercard");
    const out = await charge();

    expect(f.gateway.chargeCalls.map((c) => c.idempotencyKey)).toEqual([
      `${line.lineId}:charge:1`,
      `${line.lineId}:charge:1`,
    ]);
    const made = f.gateway.charges();
    expect(made).toHaveLength(1);
    expect(made[0]?.paymentMethodRef).toBe("pm_card_visa");
    expect(out).toEqual({ status: "charged", chargeId: made[0]?.chargeId });
    expect((await f.given.line(line)).charge?.chargeId).toBe(made[0]?.chargeId);
    await advanceLine(f, order.orderId, line.lineId);
    expect(await f.given.emails(order.orderId)).toEqual(["charged"]);
  });

  it("after the provider's answer was lost, the replay gets the same charge", async () => {
    const { f, line, charge } = await allocatedLine();
    f.gateway.failNextCharge(new Error("timed out"), { charged: true });
    await expect(charge()).rejects.toThrow("timed out");

    expect(await charge()).toMatchObject({ status: "charged" });
    expect(f.gateway.charges()).toHaveLength(1);
    expect((await f.given.line(line)).charge?.attempt).toBe(1);
  });

  it("a line cancelled while its charge is in flight gets the money back, once", async () => {
    const { f, order, line, charge } = await allocatedLine();
    f.gateway.duringNextCharge(() => cancelLine(f, order.orderId, line.lineId));

    expect(await charge()).toEqual({ status: "cancelled" });

    const [made] = f.gateway.charges();
    expect(f.gateway.refunds()).toEqual([
      {
        key: `${line.lineId}:refund`,
        refundId: expect.any(String),
        chargeId: made?.chargeId,
        amount: 2000,
      },
    ]);
    const cancelled = await f.given.line(line);
    expect(cancelled.status).toBe("cancelled");
    expect(cancelled.refund).toEqual({
      refundId: f.gateway.refunds()[0]?.refundId,
      amount: 2000,
      currency: "USD",
    });
    expect(cancelled.chargingAttempt).toBeUndefined();

    // The execution's retries and the customer's second click give nothing back again.
    await charge();
    await cancelLine(f, order.orderId, line.lineId);
    expect(f.gateway.refundCalls).toHaveLength(1);
    expect(await f.given.emails(order.orderId)).toEqual(["cancelled"]);
    expect(await f.catalog.getSku("W")).toMatchObject({ onHand: 5, allocated: 0 });
  });

  it("a cancel that lands while a crashed attempt is unsettled: the replay refunds it", async () => {
    const { f, order, line, charge } = await allocatedLine();
    f.gateway.failNextCharge(new Error("timed out"), { charged: true });
    await expect(charge()).rejects.toThrow();
    await cancelLine(f, order.orderId, line.lineId);
    expect(f.gateway.refundCalls).toEqual([]); // the execution settles it, not the cancel

    expect(await charge()).toEqual({ status: "cancelled" });
    expect(await charge()).toEqual({ status: "cancelled" });

    expect(f.gateway.charges()).toHaveLength(1);
    expect(f.gateway.refunds().map((r) => r.key)).toEqual([`${line.lineId}:refund`]);
    expect((await f.given.line(line)).chargingAttempt).toBeUndefined();
  });

  it("a cancel racing a charge that is declined leaves nothing to refund", async () => {
    const { f, order, line, charge } = await allocatedLine(DECLINING);
    f.gateway.duringNextCharge(() => cancelLine(f, order.orderId, line.lineId));

    await charge();

    const cancelled = await f.given.line(line);
    expect(cancelled.status).toBe("cancelled");
    expect(cancelled.chargingAttempt).toBeUndefined();
    expect(cancelled.chargeAttempts).toBe(1);
    expect(f.gateway.refundCalls).toEqual([]);
    expect(await f.given.emails(order.orderId)).toEqual(["cancelled"]);
  });
});
