import { config } from "../config.ts";
import { type EscalationPoint, nextEscalation } from "../domain/escalation.ts";
import type { Line, Order } from "../domain/model.ts";
import type { Store } from "../ports/store.ts";
import { LineNotFoundError } from "../workflow/handler.ts";

/** Loads a line with its order, or fails the task with LineNotFound. */
export async function loadOrderLine(
  store: Store,
  orderId: string,
  lineId: string,
): Promise<{ order: Order; line: Line }> {
  const [order, line] = await Promise.all([
    store.getOrder(orderId),
    store.getLine(orderId, lineId),
  ]);
  if (!order || !line) {
    throw new LineNotFoundError(`line ${lineId} of order ${orderId} does not exist`);
  }
  return { order, line };
}

/** The next escalation point of a waiting line, under the configured thresholds. */
export function nextEscalationOf(line: Line): EscalationPoint {
  return nextEscalation(
    {
      promisedBy: line.promisedBy,
      lastContactAt: new Date(line.lastContactAt),
      promiseEscalated: line.promiseEscalated,
      consentPendingBy:
        line.consentBy && line.consentedFor !== line.consentBy ? line.consentBy : null,
    },
    { checkInAfterSilentDays: config.checkInAfterSilentDays() },
  );
}
