import { type EscalationPoint, nextEscalation } from "../domain/escalation.ts";
import type { Line, Order } from "../domain/model.ts";
import type { AppPorts } from "../ports/app.ts";
import { LineNotFoundError } from "../workflow/errors.ts";

/** An order with all its lines (read together, strongly consistent) and one of them. */
export interface OrderLines {
  order: Order;
  lines: Line[];
  line: Line;
}

/**
 * An order with all its lines and the one asked for; null when either does not exist.
 * `order`, when given, is the order as this call's caller already read it: only the lines
 * are read again (a workflow step reads the order once, its lines before each action).
 */
export async function readOrderLine(
  deps: Pick<AppPorts, "orders">,
  orderId: string,
  lineId: string,
  order?: Order,
): Promise<OrderLines | null> {
  const [found, lines] = await Promise.all([
    order ?? deps.orders.getOrder(orderId),
    deps.orders.listLines(orderId),
  ]);
  const line = lines.find((l) => l.lineId === lineId);
  return found && line ? { order: found, lines, line } : null;
}

/** As readOrderLine, for a workflow task: a line that does not exist fails it. */
export async function loadOrderLine(
  deps: Pick<AppPorts, "orders">,
  orderId: string,
  lineId: string,
  order?: Order,
): Promise<OrderLines> {
  const found = await readOrderLine(deps, orderId, lineId, order);
  if (!found) throw new LineNotFoundError(`line ${lineId} of order ${orderId} does not exist`);
  return found;
}

/** The next escalation point of a waiting line, under the configured thresholds. */
export function nextEscalationOf(line: Line, checkInAfterSilentDays: number): EscalationPoint {
  return nextEscalation(
    {
      promisedBy: line.promisedBy,
      lastContactAt: new Date(line.lastContactAt),
      promiseEscalated: line.promiseEscalated,
      consentPendingBy:
        line.consentBy && line.consentedFor !== line.consentBy ? line.consentBy : null,
    },
    { checkInAfterSilentDays },
  );
}
