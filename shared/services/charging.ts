import { refusals } from "../domain/errors.ts";
import { type Line, lineAmount, type Order } from "../domain/model.ts";
import type { AppPorts } from "../ports/app.ts";
import { loadOrderLine, type OrderLines } from "./lines.ts";
import { notifyOnce } from "./notify.ts";
import { takeTurn, takeWithin } from "./rates.ts";
import { wakeLines } from "./wakes.ts";

export type ChargeDeps = Pick<
  AppPorts,
  "orders" | "charges" | "payments" | "notify" | "clock" | "settings" | "rates" | "metrics"
>;

/**
 * Charges a line whose shipment is formed: attempt n is charged with the idempotency key
 * `<lineId>:charge:<n>` and the payment method recorded with it before the call, so a retry
 * after a crash reuses both and the provider returns the same charge. A decline waits for
 * a new payment method. Emails of a step recorded before a crash are sent on the retry. It
 * runs only inside the line's workflow step: an email the provider refuses fails the step,
 * which the machine retries (notifyOnce), the charge already recorded. `read`: the order
 * and its lines as the caller has just read them (a workflow step).
 */
export async function chargeLine(
  deps: ChargeDeps,
  orderId: string,
  lineId: string,
  read?: OrderLines,
) {
  const { order, line } = read ?? (await loadOrderLine(deps, orderId, lineId));
  if (line.status === "cancelled") {
    // A cancel won the race with a charge in flight: finish that attempt, give money back.
    if (line.chargingAttempt) await settleCancelledAttempt(deps, order, line);
    return { status: line.status };
  }
  if (line.status === "charged" && line.charge) {
    await notifyOnce(deps.notify, "charged", order, [line], line.charge.chargeId);
    return { status: line.status, chargeId: line.charge.chargeId };
  }
  const retrying = line.status === "awaiting_payment" && (line.retryCharge || line.chargingAttempt);
  if (line.status === "awaiting_payment" && !retrying) {
    const attempt = `attempt-${line.chargeAttempts ?? 1}`;
    await notifyOnce(deps.notify, "payment_failed", order, [line], attempt);
    return { status: line.status };
  }
  if (line.status !== "allocated" && !retrying) return { status: line.status };

  // An attempt in flight keeps its method; a retry charges the method the customer gave
  // last (the order read at the step's start may predate it).
  const method = line.chargingMethod ?? line.retryMethod ?? order.payment.paymentMethodRef;
  // The provider's rate is shared by every line being charged: the charge goes in its turn.
  await takeTurn(deps.rates, "payments");
  const attempt = await deps.charges.beginChargeAttempt(line, method);
  if (attempt === null) return { status: "changed" };
  const result = await chargeAttempt(deps, order, line, attempt, method);
  const now = deps.clock.now();
  const current = { ...line, chargingAttempt: attempt };
  if (result.outcome === "declined") {
    const dueBy = new Date(now.getTime() + deps.settings.paymentWindowHours * 3_600_000);
    if (await deps.charges.recordDecline(current, attempt, dueBy, now)) {
      deps.metrics.count("ChargeDeclines");
      const updated = (await deps.orders.getLine(orderId, lineId)) ?? line;
      await notifyOnce(deps.notify, "payment_failed", order, [updated], `attempt-${attempt}`);
    } else {
      const after = await deps.orders.getLine(orderId, lineId);
      if (after?.status === "cancelled") await deps.charges.settleCancelledAttempt(after, attempt);
    }
    return { status: "awaiting_payment", decline: result.code };
  }
  const charge = {
    chargeId: result.chargeId,
    amount: lineAmount(line),
    currency: line.currency,
    attempt,
  };
  // The `charged` email is the line step's to send, after the warehouse is asked (advance.ts):
  // its turn at the email rate must not hold the parcel back.
  if (await deps.charges.recordCharge(current, attempt, charge, now)) {
    return { status: "charged", chargeId: charge.chargeId };
  }
  // The line was cancelled while it was being charged: give the money back.
  const after = await deps.orders.getLine(orderId, lineId);
  if (after?.status === "cancelled") await refundLine(deps, order, { ...after, charge });
  return { status: after?.status ?? "changed" };
}

function chargeAttempt(
  deps: Pick<AppPorts, "payments">,
  order: Order,
  line: Line,
  attempt: number,
  paymentMethodRef: string,
) {
  return deps.payments(order.payment.provider).charge({
    payment: { ...order.payment, paymentMethodRef },
    amount: lineAmount(line),
    currency: line.currency,
    idempotencyKey: `${line.lineId}:charge:${attempt}`,
    description: `Order ${order.orderRef} line ${line.lineRef}`,
  });
}

/** Replays a cancelled line's in-flight attempt (same key: same outcome) and refunds it. */
async function settleCancelledAttempt(
  deps: Pick<AppPorts, "payments" | "charges" | "rates">,
  order: Order,
  line: Line,
) {
  const attempt = line.chargingAttempt as number;
  const method = line.chargingMethod ?? order.payment.paymentMethodRef;
  await takeTurn(deps.rates, "payments");
  const result = await chargeAttempt(deps, order, line, attempt, method);
  if (result.outcome === "declined") {
    await deps.charges.settleCancelledAttempt(line, attempt);
    return;
  }
  const charge = {
    chargeId: result.chargeId,
    amount: lineAmount(line),
    currency: line.currency,
    attempt,
  };
  await refundLine(deps, order, { ...line, charge });
}

/**
 * Gives a line's charge back (once: the refund's key is the line's), in its turn at the
 * payment provider's rate. In a workflow step (no `until`) a later turn is waited for by
 * the machine; a request (`until`, epoch ms) waits until then at most and otherwise leaves
 * the refund to the line's execution, which it wakes (advance.ts, `cancelled`): the answer
 * is the refund that is owed either way.
 */
export async function refundLine(
  deps: Pick<AppPorts, "payments" | "charges" | "rates">,
  order: Order,
  line: Line,
  until?: number,
) {
  if (!line.charge) return null;
  if (line.refund) return { amount: line.refund.amount, currency: line.refund.currency };
  const { amount, currency, chargeId } = line.charge;
  if (until === undefined) await takeTurn(deps.rates, "payments");
  else if (!(await takeWithin(deps.rates, "payments", 1, until))) return { amount, currency };
  const { refundId } = await deps.payments(order.payment.provider).refund({
    payment: order.payment,
    chargeId,
    amount,
    currency,
    idempotencyKey: `${line.lineId}:refund`,
  });
  await deps.charges.recordRefund(line, { refundId, amount, currency });
  return { amount, currency };
}

/**
 * The customer gave a new payment method: it is stored on the order, and every line
 * waiting for payment is charged again (each through its own execution).
 */
export async function updatePaymentMethod(
  deps: Pick<AppPorts, "orders" | "charges" | "signals" | "clock" | "rates">,
  orderId: string,
  paymentMethodRef: string,
): Promise<string[]> {
  if (!(await deps.orders.getOrder(orderId))) throw refusals.notFound(`Order ${orderId}`);
  await deps.charges.setPaymentMethod(orderId, paymentMethodRef);
  const lines = await deps.orders.listLines(orderId);
  const retrying: Line[] = [];
  const now = deps.clock.now();
  for (const line of lines.filter((l) => l.status === "awaiting_payment")) {
    if (await deps.charges.requestChargeRetry(orderId, line.lineId, paymentMethodRef, now)) {
      retrying.push(line);
    }
  }
  await wakeLines(deps, retrying, "payment method updated");
  return retrying.map((l) => l.lineId);
}
