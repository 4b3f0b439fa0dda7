import { linkTargetOf } from "../domain/allocation.ts";
import { refusals } from "../domain/errors.ts";
import { isCancellable } from "../domain/line-states.ts";
import type { CancelReason, Line, Order } from "../domain/model.ts";
import { cancelledOutcome } from "../domain/outcomes.ts";
import type { AppPorts } from "../ports/app.ts";
import { type AllocateDeps, allocateWaiting } from "./allocate.ts";
import { refundLine } from "./charging.ts";
import { readOrderLine } from "./lines.ts";
import { notifyCustomer } from "./notify.ts";
import { RACE_LOST, retryOnRace } from "./retry.ts";
import { markAndWake, wakeLines } from "./wakes.ts";

export type CancelDeps = AllocateDeps &
  Pick<AppPorts, "orders" | "shipments" | "charges" | "payments" | "notify" | "waits" | "outcomes">;

export interface Cancelled {
  line: Line;
  refund: { amount: number; currency: string } | null;
}

/**
 * Cancels a line at any point before it ships: its units are released (and go to the
 * next waiting line), a charge is refunded, the customer is told, and its execution is
 * woken so it ends. Cancelling a cancelled line answers the same again. A line that does
 * not exist is not-found; one that shipped is a conflict.
 */
export async function cancelLine(
  deps: CancelDeps,
  orderId: string,
  lineId: string,
  /** Why, for the promise report: the storefront's API unless a caller says otherwise. */
  reason: CancelReason = "storefront",
): Promise<Cancelled> {
  return retryOnRace(`cancelling line ${lineId}`, async () => {
    const found = await readOrderLine(deps, orderId, lineId);
    if (!found) throw refusals.notFound(`Line ${lineId} of order ${orderId}`);
    const { order, lines, line } = found;
    if (line.status === "cancelled") return finishCancel(deps, order, lines, line);
    if (!isCancellable(line.status)) {
      throw refusals.conflict(
        "line-already-shipped",
        "Line already shipped",
        `The line is ${line.status}; it can no longer be cancelled.`,
      );
    }
    if (!(await deps.orders.cancelLine(line, deps.clock.now(), reason))) return RACE_LOST;
    const cancelled = (await deps.orders.getLine(orderId, lineId)) ?? line;
    return finishCancel(deps, order, lines, cancelled);
  });
}

/**
 * A cancel through the customer's link (contract §9): it acts on what the email showed,
 * so after a split it cancels the part still waiting, never a part charged since.
 */
export async function cancelFromLink(
  deps: CancelDeps,
  orderId: string,
  lineId: string,
): Promise<Cancelled> {
  const target = linkTargetOf(await deps.orders.listLines(orderId), lineId);
  if (target === undefined) throw refusals.notFound(`Line ${lineId} of order ${orderId}`);
  if (target === null) {
    throw refusals.conflict(
      "nothing-left-waiting",
      "Nothing left waiting",
      "Every unit of this line has been filled since the email; it is being prepared to ship.",
    );
  }
  return cancelLine(deps, orderId, target.lineId, "customer");
}

/** How long a cancel waits for a refund's turn at the payment rate before it leaves the
 * refund to the line's execution. */
const REFUND_WAIT_MS = 2_000;

/**
 * What follows a cancel, safe to repeat (a retried cancel runs it again): the line leaves
 * its shipment (read after the cancel: no shipment can take it since), released units go
 * to the next waiting line, a charge is refunded, the customer is told, the line's
 * execution and any sibling waiting to ship with it are woken.
 */
async function finishCancel(
  deps: CancelDeps,
  order: Order,
  lines: readonly Line[],
  line: Line,
): Promise<Cancelled> {
  const now = deps.clock.now();
  if (line.shipmentId) await deps.shipments.removeFromShipment(line.shipmentId, line.lineId, now);
  const heldStock = line.history.some((h) => h.status === "allocated");
  if (heldStock) await allocateWaiting(deps, line.sku);
  // With a charge still in flight the line's execution settles and refunds it; it also
  // refunds one whose turn at the provider's rate did not come within the request.
  const refund =
    line.charge && !line.chargingAttempt
      ? await refundLine(deps, order, line, Date.now() + REFUND_WAIT_MS)
      : null;
  const current = (await deps.orders.getLine(line.orderId, line.lineId)) ?? line;
  await recordCancelled(deps, current, now);
  await notifyCustomer(deps.notify, "cancelled", order, [current]);
  await wakeLines(deps, [line], "cancelled");
  await markAndWake(
    deps,
    lines.filter((l) => l.lineId !== line.lineId && l.status === "allocated" && !l.shipmentId),
    "sibling cancelled",
  );
  return { line: current, refund };
}

/** The payment window of a declined line closed: cancel it (its units go on). */
export async function cancelUnpaid(deps: CancelDeps, orderId: string, lineId: string) {
  const line = await deps.orders.getLine(orderId, lineId);
  // Already cancelled (a retry of this step): finish what the cancel owes.
  const due =
    line?.status === "cancelled" ||
    (line?.status === "awaiting_payment" &&
      !line.retryCharge &&
      line.paymentDueBy !== undefined &&
      line.paymentDueBy !== null &&
      new Date(line.paymentDueBy) <= deps.clock.now());
  if (!due) return { cancelled: false };
  await cancelLine(deps, orderId, lineId, "payment_window");
  return { cancelled: true };
}

/** How a cancelled line ended, for the promise report (a repeat records nothing more). */
export async function recordCancelled(
  deps: Pick<AppPorts, "outcomes">,
  line: Line,
  now: Date,
): Promise<void> {
  const cancelledAt = [...line.history].reverse().find((h) => h.status === "cancelled")?.at;
  await deps.outcomes.recordOutcome(cancelledOutcome(line, cancelledAt ?? now.toISOString()));
}
