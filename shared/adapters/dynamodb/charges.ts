import type { Line } from "../../domain/model.ts";
import type { ChargeStore } from "../../ports/charges.ts";
import {
  keys,
  lineTransition,
  mergeParts,
  statusIn,
  Table,
  type UpdateParts,
  wakeMark,
} from "./table.ts";

/** No charge attempt is in flight on the line. */
const noAttemptInFlight: UpdateParts = {
  condition: ["(attribute_not_exists(chargingAttempt) OR chargingAttempt = :null)"],
  values: { ":null": null },
};

/** The attempt in flight is `attempt`. */
const attemptInFlight = (attempt: number): UpdateParts => ({
  condition: ["chargingAttempt = :attempt"],
  values: { ":attempt": attempt },
});

/** No newer payment method was given since the line was read: an attempt begun on what
 * was read would charge a method the customer has replaced. */
const retryMethodAsRead = (line: Line): UpdateParts =>
  line.retryMethod === undefined
    ? { condition: ["attribute_not_exists(retryMethod)"] }
    : { condition: ["retryMethod = :readMethod"], values: { ":readMethod": line.retryMethod } };

/** A line's charge attempts, charges and refunds (fields of the line item). */
export class DynamoDbCharges implements ChargeStore {
  constructor(private readonly table = new Table()) {}

  async beginChargeAttempt(line: Line, paymentMethodRef: string): Promise<number | null> {
    if (line.chargingAttempt) return line.chargingAttempt;
    const previous = line.chargeAttempts ?? 0;
    // The attempt's key goes with its payment method: a resumed attempt reuses both.
    const started = await this.table.updateIf(
      keys.line(line.orderId, line.lineId),
      mergeParts(
        {
          set: [
            "chargeAttempts = :n",
            "chargingAttempt = :n",
            "chargingMethod = :method",
            "retryCharge = :false",
          ],
          remove: ["retryMethod"],
          condition: ["(attribute_not_exists(chargeAttempts) OR chargeAttempts = :previous)"],
          values: {
            ":n": previous + 1,
            ":previous": previous,
            ":method": paymentMethodRef,
            ":false": false,
          },
        },
        statusIn("allocated", "awaiting_payment"),
        noAttemptInFlight,
        retryMethodAsRead(line),
      ),
    );
    return started ? previous + 1 : null;
  }

  recordCharge(
    line: Line,
    attempt: number,
    charge: NonNullable<Line["charge"]>,
    at: Date,
  ): Promise<boolean> {
    return this.table.updateIf(
      keys.line(line.orderId, line.lineId),
      mergeParts(
        lineTransition("charged", at),
        {
          set: ["charge = :charge"],
          remove: ["chargingAttempt", "chargingMethod", "paymentDueBy"],
          values: { ":charge": charge },
        },
        attemptInFlight(attempt),
      ),
    );
  }

  recordDecline(line: Line, attempt: number, dueBy: Date, at: Date): Promise<boolean> {
    const decline: UpdateParts = {
      // The payment window runs from the first decline; a later one does not extend it.
      // Each decline's time, for the line's timeline (the status moves only at the first).
      set: [
        "paymentDueBy = if_not_exists(paymentDueBy, :due)",
        "declinedAt = list_append(if_not_exists(declinedAt, :none), :declined)",
      ],
      remove: ["chargingAttempt", "chargingMethod"],
      values: { ":due": dueBy.toISOString(), ":none": [], ":declined": [at.toISOString()] },
    };
    // A first decline moves the line; a later one finds it awaiting payment already.
    const status =
      line.status === "allocated"
        ? lineTransition("awaiting_payment", at, ["allocated"])
        : statusIn("awaiting_payment");
    return this.table.updateIf(
      keys.line(line.orderId, line.lineId),
      mergeParts(status, decline, attemptInFlight(attempt)),
    );
  }

  requestChargeRetry(
    orderId: string,
    lineId: string,
    paymentMethodRef: string,
    at: Date,
  ): Promise<boolean> {
    return this.table.updateIf(
      keys.line(orderId, lineId),
      mergeParts(
        {
          set: ["retryCharge = :true", "retryMethod = :retryMethod"],
          values: { ":true": true, ":retryMethod": paymentMethodRef },
        },
        statusIn("awaiting_payment"),
        wakeMark(at),
      ),
    );
  }

  async setPaymentMethod(orderId: string, paymentMethodRef: string): Promise<void> {
    await this.table.updateIf(keys.order(orderId), {
      set: ["payment.paymentMethodRef = :ref"],
      condition: ["attribute_exists(pk)"],
      values: { ":ref": paymentMethodRef },
    });
  }

  async recordRefund(line: Line, refund: NonNullable<Line["refund"]>): Promise<void> {
    await this.table.updateIf(keys.line(line.orderId, line.lineId), {
      set: ["refund = :refund"],
      remove: ["chargingAttempt", "chargingMethod"],
      condition: ["attribute_exists(pk)"],
      values: { ":refund": refund },
    });
  }

  async settleCancelledAttempt(line: Line, attempt: number): Promise<void> {
    await this.table.updateIf(
      keys.line(line.orderId, line.lineId),
      mergeParts(
        {
          set: ["chargeAttempts = :settled"],
          remove: ["chargingAttempt", "chargingMethod"],
          values: { ":settled": attempt },
        },
        statusIn("cancelled"),
        attemptInFlight(attempt),
      ),
    );
  }
}
