import { secondsUntil } from "../domain/escalation.ts";
import type { LineStatus } from "../domain/line-states.ts";
import type { Line, Order } from "../domain/model.ts";
import { shippedOutcome } from "../domain/outcomes.ts";
import type { WaitKind } from "../domain/waits.ts";
import type { AppPorts } from "../ports/app.ts";
import type { Turn } from "../ports/rates.ts";
import { LineNotFoundError, TurnLaterError } from "../workflow/errors.ts";
import { cancelUnpaid, recordCancelled } from "./cancel.ts";
import { chargeLine, refundLine } from "./charging.ts";
import { type EscalateDeps, escalateLateLine, escalateLine, lateLineDueAt } from "./escalate.ts";
import { loadOrderLine, nextEscalationOf, type OrderLines } from "./lines.ts";
import { notifyOnce } from "./notify.ts";
import { ensureBackorderedEmail } from "./place-order.ts";
import { notifyShipment, planLineShipment, requestLineShipment } from "./shipping.ts";

/** Where a line stands after it was moved on as far as it can go now. */
export interface LineStep {
  status: LineStatus;
  /** What it waits for next (`turn`: its turn at a rate); null when its execution is done. */
  wait: WaitKind | "turn" | null;
  /** Seconds it may wait before it looks again (its escalation, payment window, re-check,
   * or its turn). */
  waitSeconds: number;
  /** The turn reserved at a rate (a charge's or an email's): the machine waits for it in
   * a Wait state and runs the step again, holding it (services/rates.ts). */
  turn?: Turn;
}

export type AdvanceDeps = EscalateDeps &
  Pick<AppPorts, "charges" | "waits" | "liveLines" | "settings" | "rates">;

/** Actions one call may take before it must have reached a wait (a loop is a bug). */
const MAX_ACTIONS = 12;

/**
 * The line machine's one working step: reads the line (strongly consistent) and does
 * everything it can now, in order, until the line has to wait for something outside
 * (stock, its siblings, a payment method, the warehouse) or is done. Each action is
 * idempotent and reads afresh, so a retried or restarted step does only what is left: the
 * step fails (to be retried by the machine) when the provider refuses an email it owes,
 * until that email's sends run out (notify.ts).
 * The machine itself only parks the line between steps (infra/constructs/line-workflow.ts).
 */
export async function advanceLine(
  deps: AdvanceDeps,
  orderId: string,
  lineId: string,
  options: { notify?: "backordered" | null | undefined } = {},
): Promise<LineStep> {
  try {
    return await advance(deps, orderId, lineId, options);
  } catch (error) {
    // A side effect's turn at its rate is later: the machine waits for it, not a Lambda.
    if (!(error instanceof TurnLaterError)) throw error;
    const line = await deps.orders.getLine(orderId, lineId);
    if (!line) throw new LineNotFoundError(`line ${lineId} of order ${orderId} does not exist`);
    return turnStep(line.status, error.turn);
  }
}

async function advance(
  deps: AdvanceDeps,
  orderId: string,
  lineId: string,
  options: { notify?: "backordered" | null | undefined },
): Promise<LineStep> {
  // The order is read once a step (what a step needs of it does not change under it); the
  // lines, with this one, before each action, strongly consistent, and handed to it.
  let order: Order | undefined;
  // The API sends the `backordered` email as it takes the order; this makes sure of it (an
  // email it could not send is sent here, with the machine's retries).
  if (options.notify === "backordered") {
    const read = await loadOrderLine(deps, orderId, lineId);
    order = read.order;
    await ensureBackorderedEmail(deps, orderId, lineId, read);
  }
  for (let action = 0; action < MAX_ACTIONS; action++) {
    const read = await loadOrderLine(deps, orderId, lineId, order);
    order = read.order;
    const step = await act(deps, read);
    // Done: the execution ends here, and the line leaves the lines the backstop watches.
    if (step?.wait === null) await deps.liveLines.finished(orderId, lineId);
    if (step) return step;
  }
  throw new Error(`line ${lineId} did not reach a wait after ${MAX_ACTIONS} actions`);
}

/** The step that hands a reserved turn to the machine, to wait for in a Wait state. */
function turnStep(status: LineStatus, turn: Turn): LineStep {
  // Turns are on real time (the rates are the providers'), whatever the line's clock says.
  const waitSeconds = Math.max(1, Math.ceil((turn.at - Date.now()) / 1000));
  return { status, wait: "turn", waitSeconds, turn };
}

/** One action on the line as read; a step when it must wait (or is done), else null. */
async function act(deps: AdvanceDeps, read: OrderLines): Promise<LineStep | null> {
  const { line } = read;
  const { orderId, lineId, status } = line;
  const now = deps.clock.now();
  const wait = (kind: WaitKind | null, seconds = deps.settings.recheckSeconds): LineStep => ({
    status,
    wait: kind,
    waitSeconds: seconds,
  });
  switch (status) {
    case "backordered": {
      const due = nextEscalationOf(line, deps.settings.checkInAfterSilentDays);
      // A delay notice recorded but not yet sent goes out now, whatever the timers say.
      if (!line.owedNotice && due.at > now) return wait("stock", secondsUntil(due.at, now));
      const { escalated } = await escalateLine(deps, orderId, lineId);
      // Nothing to do after all (the line moved meanwhile): look again.
      return escalated === null ? wait("stock", 1) : null;
    }
    case "allocated": {
      const { ready } = await planLineShipment(deps, orderId, lineId, read);
      if (!ready) return wait("group");
      // Placing it in a shipment wrote the line (its shipment), nothing the charge reads:
      // what was read stands for the charge.
      await chargeLine(deps, orderId, lineId, read);
      return null;
    }
    case "awaiting_payment": {
      if (line.retryCharge || line.chargingAttempt) {
        await chargeLine(deps, orderId, lineId, read);
        return null;
      }
      const dueBy = line.paymentDueBy ? new Date(line.paymentDueBy) : null;
      if (dueBy && dueBy <= now) {
        await cancelUnpaid(deps, orderId, lineId);
        return null;
      }
      // The payment_failed email of the last decline, if a crash kept it from going.
      await chargeLine(deps, orderId, lineId, read);
      return wait("payment", dueBy ? secondsUntil(dueBy, now) : undefined);
    }
    case "charged": {
      // The warehouse is asked first: the charged email may have to wait for its turn at
      // the email rate, the parcel does not.
      await requestLineShipment(deps, orderId, lineId, read);
      if (line.charge) await lineEmail(deps, read, "charged", line.charge.chargeId);
      // Requested before its promise passed (as nearly always): it waits for the parcel,
      // or for its promise to pass unshipped. Else the next action tells the delay.
      const due = lateLineDueAt(line, deps.settings);
      if (due && due <= now) return null;
      return {
        status: "shipment_requested",
        wait: "shipped",
        waitSeconds: untilLate(deps, due, now),
      };
    }
    case "shipment_requested": {
      // The charged email, when its turn came after the request (or a crash came between).
      if (line.charge) await lineEmail(deps, read, "charged", line.charge.chargeId);
      // Not shipped by its promise: the customer is told (contract §8).
      const late = await escalateLateLine(deps, read);
      if (late.moved) return null;
      return wait("shipped", untilLate(deps, late.next, now));
    }
    case "shipped":
      await recordShipped(deps, line);
      // The charged email, if the parcel left before its turn at the email rate came.
      if (line.charge) await lineEmail(deps, read, "charged", line.charge.chargeId);
      await notifyShipment(deps, orderId, lineId, "shipped", read);
      return wait("delivered");
    case "delivered":
      // A parcel delivered before the shipped step ran: its outcome is recorded here.
      await recordShipped(deps, line);
      if (line.charge) await lineEmail(deps, read, "charged", line.charge.chargeId);
      await notifyShipment(deps, orderId, lineId, "delivered", read);
      return wait(null, 0);
    case "cancelled":
      // A cancel that won the race with a charge in flight: settle it and refund.
      if (line.chargingAttempt) await chargeLine(deps, orderId, lineId, read);
      // A refund the cancel left to the line (its turn did not come within the request).
      else if (line.charge && !line.refund) await refundLine(deps, read.order, line);
      // Its outcome and the cancelled email, if the cancel was cut off before them (or the
      // email refused).
      await recordCancelled(deps, line, now);
      await lineEmail(deps, read, "cancelled");
      return wait(null, 0);
  }
}

/** How a shipped line kept its promise, for the promise report (a repeat writes the same). */
async function recordShipped(deps: AdvanceDeps, line: Line) {
  const shippedAt = [...line.history].reverse().find((h) => h.status === "shipped")?.at;
  if (!shippedAt) return;
  const outcome = shippedOutcome(line, shippedAt, deps.settings.delays);
  if (await deps.outcomes.recordOutcome(outcome)) {
    deps.metrics.count(outcome.kind === "on_time" ? "PromisesKept" : "PromisesMissed");
  }
}

/** Seconds a paid line waits for its parcel before it looks at its delay again. */
function untilLate(deps: AdvanceDeps, due: Date | null, now: Date): number {
  const recheck = deps.settings.recheckSeconds;
  return due ? Math.min(recheck, secondsUntil(due, now)) : recheck;
}

/** An email about this line alone that it may still owe (sent once: the same key as where
 * it is sent first). */
async function lineEmail(
  deps: AdvanceDeps,
  { order, line }: OrderLines,
  kind: "charged" | "cancelled",
  occasion?: string,
) {
  await notifyOnce(deps.notify, kind, order, [line], occasion);
}
