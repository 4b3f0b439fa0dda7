import { clock } from "../../shared/adapters/clock.ts";
import { lineAmount } from "../../shared/domain/model.ts";
import { appStore, notifyDeps, paymentGateway } from "../../shared/services/deps.ts";
import { loadOrderLine } from "../../shared/services/line-context.ts";
import { notifyCustomer } from "../../shared/services/notify.ts";
import { lineTask, lineTaskInput } from "../../shared/workflow/handler.ts";

/**
 * Charges an allocated line once: the idempotency key is the line and attempt, so a retry
 * of this task gets the same charge back instead of a second one. A decline moves the
 * line to awaiting_payment and tells the customer.
 */
export const handler = lineTask(lineTaskInput, async ({ orderId, lineId }) => {
  const store = appStore();
  const { order, line } = await loadOrderLine(store, orderId, lineId);
  const attempt = 1;
  // A retry after a crash finishes what the first run started; the emails are sent once.
  if (line.status === "charged") {
    await notifyCustomer(notifyDeps(), "charged", order, [line], line.charge?.chargeId ?? "");
    return { status: line.status, chargeId: line.charge?.chargeId ?? null };
  }
  if (line.status === "awaiting_payment") {
    await notifyCustomer(notifyDeps(), "payment_failed", order, [line], String(attempt));
    return { status: line.status };
  }
  if (line.status !== "allocated") return { status: line.status };
  const amount = lineAmount(line);
  const result = await paymentGateway(order.payment.provider).charge({
    payment: order.payment,
    amount,
    currency: line.currency,
    idempotencyKey: `${lineId}:charge:${attempt}`,
    description: `Order ${order.orderRef} line ${line.lineRef}`,
  });
  const now = clock().now();
  if (result.outcome === "declined") {
    await store.transitionLine(orderId, lineId, "allocated", "awaiting_payment", now);
    const updated = (await store.getLine(orderId, lineId)) ?? line;
    await notifyCustomer(notifyDeps(), "payment_failed", order, [updated], String(attempt));
    return { status: "awaiting_payment", decline: result.code };
  }
  const charge = { chargeId: result.chargeId, amount, currency: line.currency, attempt };
  await store.transitionLine(orderId, lineId, "allocated", "charged", now, { charge });
  const charged = (await store.getLine(orderId, lineId)) ?? line;
  if (charged.status === "charged") {
    await notifyCustomer(notifyDeps(), "charged", order, [charged], charged.charge?.chargeId ?? "");
  }
  return { status: charged.status, chargeId: charged.charge?.chargeId ?? null };
});
