import { monotonicFactory } from "ulid";
import { type Line, lineAmount, type Order, type PaymentProvider } from "../domain/model.ts";
import { planShipment, shipmentLead } from "../domain/shipments.ts";
import { logger } from "../logger.ts";
import type { Clock } from "../ports/clock.ts";
import type { FulfilmentStore } from "../ports/fulfilment.ts";
import type { PaymentGateway } from "../ports/payment-gateway.ts";
import type { Store } from "../ports/store.ts";
import type { LineSignals, LineWorkflow } from "../ports/workflow.ts";
import { NotificationInFlightError } from "../workflow/handler.ts";
import { allocateWaiting } from "./allocate.ts";
import { type NotifyDeps, notifyCustomer } from "./notify.ts";

/**
 * What happens to a line after allocation (contract §5–§7): shipment grouping, charging,
 * the shipment request, shipment emails, and cancellation. Each step reads the line's
 * persisted state and writes conditioned on it, so a retried or repeated step is a no-op.
 */
export interface FulfilmentDeps {
  store: Store;
  fulfilment: FulfilmentStore;
  signals: LineSignals;
  workflow: LineWorkflow;
  notify: NotifyDeps;
  clock: Clock;
  payments: (provider: PaymentProvider) => PaymentGateway;
  /** Hours a declined line waits for a new payment method before it is cancelled. */
  paymentWindowHours: number;
}

const nextUlid = monotonicFactory();
const MAX_RACES = 8;

async function load(deps: FulfilmentDeps, orderId: string, lineId: string) {
  const [order, lines] = await Promise.all([
    deps.store.getOrder(orderId),
    deps.store.listLines(orderId),
  ]);
  const line = lines.find((l) => l.lineId === lineId);
  if (!order || !line) throw new Error(`line ${lineId} of order ${orderId} does not exist`);
  return { order, lines, line };
}

/** Wakes lines whose state changed; one that cannot be woken reloads at its next timer. */
async function wakeAll(deps: FulfilmentDeps, lines: readonly Line[], reason: string) {
  await Promise.all(
    lines.map((l) =>
      deps.signals.wake(l.orderId, l.lineId, reason).catch((error: unknown) => {
        logger.warn("could not wake a line", { lineId: l.lineId, error: String(error) });
      }),
    ),
  );
}

/**
 * Puts an allocated line into a shipment when its split policy allows (forming one of
 * every line ready with it), or says it must wait for its siblings.
 */
export async function planLineShipment(
  deps: FulfilmentDeps,
  orderId: string,
  lineId: string,
): Promise<{ ready: boolean }> {
  for (let race = 0; race < MAX_RACES; race++) {
    const { order, lines, line } = await load(deps, orderId, lineId);
    if (line.status !== "allocated") return { ready: true };
    const decision = planShipment(order.splitPolicy, order.maxShipments, lines, lineId);
    if (decision.kind === "assigned") return { ready: true };
    if (decision.kind === "wait") return { ready: false };
    const members = lines.filter((l) => decision.lineIds.includes(l.lineId));
    const now = deps.clock.now();
    const shipmentId = `shp_${nextUlid(now.getTime())}`;
    if (await deps.fulfilment.createShipment(order, members, shipmentId, now)) {
      await wakeAll(
        deps,
        members.filter((m) => m.lineId !== lineId),
        "shipment formed",
      );
      return { ready: true };
    }
  }
  throw new Error(`could not place line ${lineId} in a shipment: its order keeps changing`);
}

/**
 * Charges a line whose shipment is formed: attempt n is charged with the idempotency key
 * `<lineId>:charge:<n>` and the payment method recorded with it before the call, so a retry
 * after a crash reuses both and the provider returns the same charge. A decline waits for
 * a new payment method. Emails of a step recorded before a crash are sent on the retry.
 */
export async function chargeLine(deps: FulfilmentDeps, orderId: string, lineId: string) {
  const { order, line } = await load(deps, orderId, lineId);
  if (line.status === "cancelled") {
    // A cancel won the race with a charge in flight: finish that attempt, give money back.
    if (line.chargingAttempt) await settleCancelledAttempt(deps, order, line);
    return { status: line.status };
  }
  if (line.status === "charged" && line.charge) {
    await notifyCustomer(deps.notify, "charged", order, [line], line.charge.chargeId);
    return { status: line.status, chargeId: line.charge.chargeId };
  }
  const retrying = line.status === "awaiting_payment" && (line.retryCharge || line.chargingAttempt);
  if (line.status === "awaiting_payment" && !retrying) {
    const attempt = `attempt-${line.chargeAttempts ?? 1}`;
    await notifyCustomer(deps.notify, "payment_failed", order, [line], attempt);
    return { status: line.status };
  }
  if (line.status !== "allocated" && !retrying) return { status: line.status };

  const method = line.chargingMethod ?? order.payment.paymentMethodRef;
  const attempt = await deps.fulfilment.beginChargeAttempt(line, method);
  if (attempt === null) return { status: "changed" };
  const result = await chargeAttempt(deps, order, line, attempt, method);
  const now = deps.clock.now();
  const current = { ...line, chargingAttempt: attempt };
  if (result.outcome === "declined") {
    const dueBy = new Date(now.getTime() + deps.paymentWindowHours * 3_600_000);
    if (await deps.fulfilment.recordDecline(current, attempt, dueBy, now)) {
      const updated = (await deps.store.getLine(orderId, lineId)) ?? line;
      await notifyCustomer(deps.notify, "payment_failed", order, [updated], `attempt-${attempt}`);
    } else {
      const after = await deps.store.getLine(orderId, lineId);
      if (after?.status === "cancelled")
        await deps.fulfilment.settleCancelledAttempt(after, attempt);
    }
    return { status: "awaiting_payment", decline: result.code };
  }
  const charge = {
    chargeId: result.chargeId,
    amount: lineAmount(line),
    currency: line.currency,
    attempt,
  };
  if (await deps.fulfilment.recordCharge(current, attempt, charge, now)) {
    const charged = (await deps.store.getLine(orderId, lineId)) ?? line;
    await notifyCustomer(deps.notify, "charged", order, [charged], charge.chargeId);
    return { status: "charged", chargeId: charge.chargeId };
  }
  // The line was cancelled while it was being charged: give the money back.
  const after = await deps.store.getLine(orderId, lineId);
  if (after?.status === "cancelled") await refundLine(deps, order, { ...after, charge });
  return { status: after?.status ?? "changed" };
}

function chargeAttempt(
  deps: FulfilmentDeps,
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
async function settleCancelledAttempt(deps: FulfilmentDeps, order: Order, line: Line) {
  const attempt = line.chargingAttempt as number;
  const method = line.chargingMethod ?? order.payment.paymentMethodRef;
  const result = await chargeAttempt(deps, order, line, attempt, method);
  if (result.outcome === "declined") {
    await deps.fulfilment.settleCancelledAttempt(line, attempt);
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

/** A charged line joins its shipment's request to the warehouse. */
export async function requestLineShipment(deps: FulfilmentDeps, orderId: string, lineId: string) {
  const { line } = await load(deps, orderId, lineId);
  if (line.status === "charged" || line.status === "shipment_requested") {
    await deps.fulfilment.requestShipmentLine(line, deps.clock.now());
  }
  return { status: line.status };
}

/**
 * The shipped or delivered email of a line's shipment, sent once for the whole shipment
 * by its lead line (every line runs this step; the others have nothing to do).
 */
export async function notifyShipment(
  deps: FulfilmentDeps,
  orderId: string,
  lineId: string,
  kind: "shipped" | "delivered",
) {
  const { order, lines, line } = await load(deps, orderId, lineId);
  if (!line.shipmentId) return { email: "none" };
  const members = lines.filter((l) => l.shipmentId === line.shipmentId);
  if (shipmentLead(members) !== lineId) return { email: "lead-sends" };
  const live = members.filter((l) => l.status !== "cancelled");
  const outcome = await notifyCustomer(deps.notify, kind, order, live, line.shipmentId);
  if (outcome === "in-flight") {
    throw new NotificationInFlightError(`the ${kind} email of ${line.shipmentId} is in flight`);
  }
  return { email: outcome };
}

export type CancelResult =
  | { outcome: "cancelled"; line: Line; refund: { amount: number; currency: string } | null }
  | { outcome: "not-found" }
  | { outcome: "too-late"; status: string };

/**
 * Cancels a line at any point before it ships: its units are released (and go to the
 * next waiting line), a charge is refunded, the customer is told, and its execution is
 * woken so it ends. Cancelling a cancelled line answers the same again.
 */
export async function cancelLine(
  deps: FulfilmentDeps,
  orderId: string,
  lineId: string,
): Promise<CancelResult> {
  for (let race = 0; race < MAX_RACES; race++) {
    const [order, lines] = await Promise.all([
      deps.store.getOrder(orderId),
      deps.store.listLines(orderId),
    ]);
    const line = lines.find((l) => l.lineId === lineId);
    if (!order || !line) return { outcome: "not-found" };
    if (line.status === "cancelled") return finishCancel(deps, order, lines, line);
    if (line.status === "shipped" || line.status === "delivered") {
      return { outcome: "too-late", status: line.status };
    }
    const now = deps.clock.now();
    if (!(await deps.fulfilment.cancelLine(line, line.status, now))) continue;
    const cancelled = (await deps.store.getLine(orderId, lineId)) ?? line;
    return finishCancel(deps, order, lines, cancelled);
  }
  throw new Error(`could not cancel line ${lineId}: it keeps changing`);
}

/**
 * What follows a cancel, safe to repeat (a retried cancel runs it again): the line leaves
 * its shipment (read after the cancel: no shipment can take it since), released units go
 * to the next waiting line, a charge is refunded, the customer is told, the line's
 * execution and any sibling waiting to ship with it are woken.
 */
async function finishCancel(
  deps: FulfilmentDeps,
  order: Order,
  lines: readonly Line[],
  line: Line,
): Promise<CancelResult> {
  const now = deps.clock.now();
  if (line.shipmentId) await deps.fulfilment.removeFromShipment(line.shipmentId, line.lineId, now);
  const heldStock = line.history.some((h) => h.status === "allocated");
  if (heldStock) await allocateWaiting(deps, line.sku);
  // With a charge still in flight the line's execution settles and refunds it.
  const refund = line.charge && !line.chargingAttempt ? await refundLine(deps, order, line) : null;
  const current = (await deps.store.getLine(line.orderId, line.lineId)) ?? line;
  await notifyCustomer(deps.notify, "cancelled", order, [current]);
  await wakeAll(deps, [line], "cancelled");
  await wakeAll(
    deps,
    lines.filter((l) => l.lineId !== line.lineId && l.status === "allocated" && !l.shipmentId),
    "sibling cancelled",
  );
  return { outcome: "cancelled", line: current, refund };
}

async function refundLine(deps: FulfilmentDeps, order: Order, line: Line) {
  if (!line.charge) return null;
  if (line.refund) return { amount: line.refund.amount, currency: line.refund.currency };
  const { amount, currency, chargeId } = line.charge;
  const { refundId } = await deps.payments(order.payment.provider).refund({
    payment: order.payment,
    chargeId,
    amount,
    currency,
    idempotencyKey: `${line.lineId}:refund`,
  });
  await deps.fulfilment.recordRefund(line, { refundId, amount, currency });
  return { amount, currency };
}

/**
 * The customer gave a new payment method: it is stored on the order, and every line
 * waiting for payment is charged again (each through its own execution).
 */
export async function updatePaymentMethod(
  deps: FulfilmentDeps,
  orderId: string,
  paymentMethodRef: string,
): Promise<string[]> {
  await deps.fulfilment.setPaymentMethod(orderId, paymentMethodRef);
  const lines = await deps.store.listLines(orderId);
  const retrying: Line[] = [];
  for (const line of lines.filter((l) => l.status === "awaiting_payment")) {
    if (await deps.fulfilment.requestChargeRetry(orderId, line.lineId)) retrying.push(line);
  }
  await wakeAll(deps, retrying, "payment method updated");
  return retrying.map((l) => l.lineId);
}

/** The payment window of a declined line closed: cancel it (its units go on). */
export async function cancelUnpaid(deps: FulfilmentDeps, orderId: string, lineId: string) {
  const line = await deps.store.getLine(orderId, lineId);
  // Already cancelled (a retry of this step): finish what the cancel owes.
  if (line?.status === "cancelled") {
    return { cancelled: (await cancelLine(deps, orderId, lineId)).outcome === "cancelled" };
  }
  if (line?.status !== "awaiting_payment" || line.retryCharge) return { cancelled: false };
  if (!line.paymentDueBy || new Date(line.paymentDueBy) > deps.clock.now()) {
    return { cancelled: false };
  }
  const result = await cancelLine(deps, orderId, lineId);
  return { cancelled: result.outcome === "cancelled" };
}
