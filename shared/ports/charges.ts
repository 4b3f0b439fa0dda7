import type { Line } from "../domain/model.ts";

/** A line's charge attempts, charges and refunds, and the order's payment method. */
export interface ChargeStore {
  /** Starts charge attempt n (or returns the one a crashed run started); null if the line
   * moved, or a newer payment method came since it was read (`retryMethod`). */
  beginChargeAttempt(line: Line, paymentMethodRef: string): Promise<number | null>;
  recordCharge(
    line: Line,
    attempt: number,
    charge: NonNullable<Line["charge"]>,
    at: Date,
  ): Promise<boolean>;
  recordDecline(line: Line, attempt: number, paymentDueBy: Date, at: Date): Promise<boolean>;
  /** The customer gave a new payment method: a declined line is charged again, with it. */
  requestChargeRetry(
    orderId: string,
    lineId: string,
    paymentMethodRef: string,
    at: Date,
  ): Promise<boolean>;
  setPaymentMethod(orderId: string, paymentMethodRef: string): Promise<void>;
  /** Records a refund; it also settles a charge attempt left in flight by a cancel. */
  recordRefund(line: Line, refund: NonNullable<Line["refund"]>): Promise<void>;
  /** A cancelled line's in-flight attempt turned out declined: nothing to refund. */
  settleCancelledAttempt(line: Line, attempt: number): Promise<void>;
}
