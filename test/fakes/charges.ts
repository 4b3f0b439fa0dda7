import type { Line } from "../../shared/domain/model.ts";
import type { ChargeStore } from "../../shared/ports/charges.ts";
import { check, type FakeDb, lineKey, markWake, moveLine } from "./db.ts";

/** Leaves no attempt in flight on the line. */
function settle(line: Line): void {
  delete line.chargingAttempt;
  delete line.chargingMethod;
}

const inFlight = (line: Line, attempt: number) =>
  check(line.chargingAttempt === attempt, `attempt ${attempt} is in flight`);

/** Charge attempts, charges and refunds: fields of the line (dynamodb/charges.ts). */
export class FakeCharges implements ChargeStore {
  constructor(private readonly db: FakeDb) {}

  async beginChargeAttempt(line: Line, paymentMethodRef: string): Promise<number | null> {
    // A crashed run's attempt is resumed with its key and payment method.
    if (line.chargingAttempt) return line.chargingAttempt;
    const previous = line.chargeAttempts ?? 0;
    const failed = await this.db.write("charges.beginChargeAttempt", (t) => {
      const stored = t.lines.get(lineKey(line.orderId, line.lineId));
      check(stored, "the line exists");
      check(stored.status === "allocated" || stored.status === "awaiting_payment", "chargeable");
      check((stored.chargeAttempts ?? 0) === previous, `attempt ${previous} was the last`);
      check(!stored.chargingAttempt, "no attempt is in flight");
      check(stored.retryMethod === line.retryMethod, "no newer payment method came");
      delete stored.retryMethod;
      Object.assign(stored, {
        chargeAttempts: previous + 1,
        chargingAttempt: previous + 1,
        chargingMethod: paymentMethodRef,
        retryCharge: false,
      });
    });
    return failed ? null : previous + 1;
  }

  async recordCharge(
    line: Line,
    attempt: number,
    charge: NonNullable<Line["charge"]>,
    at: Date,
  ): Promise<boolean> {
    const failed = await this.db.write("charges.recordCharge", (t) => {
      const stored = moveLine(t.lines.get(lineKey(line.orderId, line.lineId)), "charged", at);
      inFlight(stored, attempt);
      stored.charge = { ...charge };
      settle(stored);
      delete stored.paymentDueBy;
    });
    return failed === null;
  }

  async recordDecline(line: Line, attempt: number, dueBy: Date, at: Date): Promise<boolean> {
    const failed = await this.db.write("charges.recordDecline", (t) => {
      const key = lineKey(line.orderId, line.lineId);
      // A first decline moves the line; a later one finds it awaiting payment already.
      const stored =
        line.status === "allocated"
          ? moveLine(t.lines.get(key), "awaiting_payment", at, ["allocated"])
          : t.lines.get(key);
      check(stored?.status === "awaiting_payment", "the line awaits payment");
      inFlight(stored, attempt);
      // The payment window runs from the first decline; a later one does not extend it.
      stored.paymentDueBy ??= dueBy.toISOString();
      stored.declinedAt = [...(stored.declinedAt ?? []), at.toISOString()];
      settle(stored);
    });
    return failed === null;
  }

  async requestChargeRetry(
    orderId: string,
    lineId: string,
    paymentMethodRef: string,
    at: Date,
  ): Promise<boolean> {
    const failed = await this.db.write("charges.requestChargeRetry", (t) => {
      const line = t.lines.get(lineKey(orderId, lineId));
      check(line?.status === "awaiting_payment", "the line awaits payment");
      line.retryCharge = true;
      line.retryMethod = paymentMethodRef;
      markWake(t, orderId, lineId, at);
    });
    return failed === null;
  }

  async setPaymentMethod(orderId: string, paymentMethodRef: string): Promise<void> {
    await this.db.write("charges.setPaymentMethod", (t) => {
      const order = t.orders.get(orderId);
      check(order, "the order exists");
      order.payment.paymentMethodRef = paymentMethodRef;
    });
  }

  async recordRefund(line: Line, refund: NonNullable<Line["refund"]>): Promise<void> {
    await this.db.write("charges.recordRefund", (t) => {
      const stored = t.lines.get(lineKey(line.orderId, line.lineId));
      check(stored, "the line exists");
      stored.refund = { ...refund };
      settle(stored);
    });
  }

  async settleCancelledAttempt(line: Line, attempt: number): Promise<void> {
    await this.db.write("charges.settleCancelledAttempt", (t) => {
      const stored = t.lines.get(lineKey(line.orderId, line.lineId));
      check(stored?.status === "cancelled", "the line is cancelled");
      inFlight(stored, attempt);
      stored.chargeAttempts = attempt;
      settle(stored);
    });
  }
}
