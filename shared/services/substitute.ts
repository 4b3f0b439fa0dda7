import { toIsoDate } from "../domain/dates.ts";
import { refusals } from "../domain/errors.ts";
import type { Line } from "../domain/model.ts";
import { canSellNow, planOrder } from "../domain/order-intake.ts";
import type { OfferedSubstitute } from "../emails/view.ts";
import type { AppPorts } from "../ports/app.ts";
import { type CancelDeps, cancelLine } from "./cancel.ts";
import { newLine, snapshotOf } from "./place-order.ts";
import { RACE_LOST, retryOnRace } from "./retry.ts";

export type SubstituteDeps = CancelDeps & Pick<AppPorts, "supply">;

/**
 * The customer takes one of the SKU's substitutes instead of waiting (contract §8–§9):
 * the substitute is sold like a new line of the order (from stock, else on backorder by
 * its own policy; nothing happens if it cannot be sold), then the waiting line is
 * cancelled and its backorder released. Returns the lines sold instead.
 */
export async function substituteLine(
  deps: SubstituteDeps,
  orderId: string,
  lineId: string,
  substituteSku: string,
): Promise<Line[]> {
  return retryOnRace(`substituting line ${lineId}`, async () => {
    const [order, line, siblings] = await Promise.all([
      deps.orders.getOrder(orderId),
      deps.orders.getLine(orderId, lineId),
      deps.orders.listLines(orderId),
    ]);
    if (!order || !line) throw refusals.notFound(`Line ${lineId} of order ${orderId}`);
    // Substitute lines have ids derived from the line they replace: a repeated request
    // (a double click, a retry after a crash) finds them instead of selling twice.
    const made = siblings.filter((l) => l.lineId.startsWith(`${lineId}-s`));
    if (made.length > 0) {
      await cancelLine(deps, orderId, lineId, "substitute");
      return made;
    }
    if (line.status !== "backordered") {
      throw refusals.conflict(
        "line-not-waiting",
        "Line not waiting",
        `The line is ${line.status}; only a waiting line can be substituted.`,
      );
    }
    const allowed = (await deps.catalog.getSku(line.sku))?.substitutes ?? [];
    const sku = allowed.includes(substituteSku) ? await deps.catalog.getSku(substituteSku) : null;
    if (!sku) {
      throw refusals.rejected(
        "not-a-substitute",
        "Not a substitute",
        `${substituteSku} is not offered instead of this item.`,
        { substitutes: allowed },
      );
    }
    const now = deps.clock.now();
    const plan = planOrder(
      [{ lineRef: line.lineRef, sku: substituteSku, qty: line.qty, unitPrice: line.unitPrice }],
      new Map([[substituteSku, snapshotOf(sku, await deps.supply.inbound(substituteSku))]]),
      toIsoDate(now),
    );
    if (!plan.ok) {
      throw refusals.conflict(
        "insufficient-stock",
        "Insufficient stock",
        "The substitute cannot be sold now. Your item stays on order.",
        { lines: plan.reason === "insufficient-stock" ? plan.shortages : [] },
      );
    }
    const lines = plan.lines.map((p, i) =>
      newLine(orderId, line.currency, { ...p, name: sku.name }, now, `${lineId}-s${i + 1}`),
    );
    const taken = await deps.orders.addLines(
      lines,
      plan.deltas.map((d) => ({ ...d, limit: sku.backorder.limit })),
    );
    if (taken === "stock-changed") return RACE_LOST;
    await deps.workflow.start(lines.map((l) => ({ orderId, lineId: l.lineId })));
    await cancelLine(deps, orderId, lineId, "substitute");
    return lines;
  });
}

/**
 * The substitutes each waiting line can be offered now (contract §8): the SKU's listed
 * substitutes that can be sold now for the line's quantity (from stock, or on backorder by
 * their own policy), by line id. Two catalog reads, whatever the number of lines.
 */
export async function offeredSubstitutes(
  deps: Pick<AppPorts, "catalog">,
  lines: readonly Line[],
): Promise<Map<string, OfferedSubstitute[]>> {
  const waiting = lines.filter((l) => l.status === "backordered");
  const offers = new Map<string, OfferedSubstitute[]>();
  if (waiting.length === 0) return offers;
  const own = await deps.catalog.getSkus([...new Set(waiting.map((l) => l.sku))]);
  const listed = [...new Set([...own.values()].flatMap((s) => s.substitutes))];
  const candidates = listed.length > 0 ? await deps.catalog.getSkus(listed) : new Map();
  for (const line of waiting) {
    const offered: OfferedSubstitute[] = [];
    for (const code of own.get(line.sku)?.substitutes ?? []) {
      const sku = candidates.get(code);
      if (!sku || sku.sku === line.sku || !canSellNow(sku, line.qty)) continue;
      offered.push({
        sku: sku.sku,
        name: sku.name,
        available: Math.max(0, sku.onHand - sku.allocated - sku.backorderedQty),
      });
    }
    offers.set(line.lineId, offered);
  }
  return offers;
}
