import { toIsoDate } from "../domain/dates.ts";
import type { Inbound } from "../domain/inbound.ts";
import type { Line } from "../domain/model.ts";
import { planOrder, type Shortage } from "../domain/order-intake.ts";
import { cancelLine, type FulfilmentDeps } from "./fulfilment.ts";
import { newLine, snapshotOf } from "./place-order.ts";

export type SubstituteResult =
  | { outcome: "substituted"; cancelledLineId: string; lines: Line[] }
  | { outcome: "not-found" }
  | { outcome: "not-waiting"; status: string }
  | { outcome: "not-a-substitute"; allowed: string[] }
  | { outcome: "insufficient-stock"; shortages: Shortage[] };

const MAX_RACES = 8;

/**
 * The customer takes one of the SKU's substitutes instead of waiting (contract §8–§9):
 * the substitute is sold like a new line of the order (from stock, else on backorder by
 * its own policy; nothing happens if it cannot be sold), then the waiting line is
 * cancelled and its backorder released.
 */
export async function substituteLine(
  deps: FulfilmentDeps & { inbound: (sku: string) => Promise<Inbound[]> },
  orderId: string,
  lineId: string,
  substituteSku: string,
): Promise<SubstituteResult> {
  for (let race = 0; race < MAX_RACES; race++) {
    const [order, line] = await Promise.all([
      deps.store.getOrder(orderId),
      deps.store.getLine(orderId, lineId),
    ]);
    if (!order || !line) return { outcome: "not-found" };
    // Substitute lines have ids derived from the line they replace: a repeated request
    // (a double click, a retry after a crash) finds them instead of selling twice.
    const siblings = await deps.store.listLines(orderId);
    const made = siblings.filter((l) => l.lineId.startsWith(`${lineId}-s`));
    if (made.length > 0) {
      await cancelLine(deps, orderId, lineId);
      return { outcome: "substituted", cancelledLineId: lineId, lines: made };
    }
    if (line.status !== "backordered") return { outcome: "not-waiting", status: line.status };
    const original = await deps.store.getSku(line.sku);
    const allowed = original?.substitutes ?? [];
    if (!allowed.includes(substituteSku)) return { outcome: "not-a-substitute", allowed };
    const sku = await deps.store.getSku(substituteSku);
    if (!sku) return { outcome: "not-a-substitute", allowed };

    const now = deps.clock.now();
    const plan = planOrder(
      [{ lineRef: line.lineRef, sku: substituteSku, qty: line.qty, unitPrice: line.unitPrice }],
      new Map([[substituteSku, snapshotOf(sku, await deps.inbound(substituteSku))]]),
      toIsoDate(now),
    );
    if (!plan.ok) {
      return plan.reason === "insufficient-stock"
        ? { outcome: "insufficient-stock", shortages: plan.shortages }
        : { outcome: "not-a-substitute", allowed };
    }
    const lines = plan.lines.map((p, i) =>
      newLine(orderId, line.currency, p, now, `${lineId}-s${i + 1}`),
    );
    const taken = await deps.store.addLines(
      lines,
      plan.deltas.map((d) => ({ ...d, limit: sku.backorder.limit })),
    );
    if (taken === "stock-changed") continue;
    await deps.workflow.start(lines.map((l) => ({ orderId, lineId: l.lineId })));
    await cancelLine(deps, orderId, lineId);
    return { outcome: "substituted", cancelledLineId: lineId, lines };
  }
  throw new Error(`could not substitute line ${lineId}: stock keeps changing`);
}
