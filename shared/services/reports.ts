import { toIsoDate } from "../domain/dates.ts";
import { promiseFiguresOf } from "../domain/outcomes.ts";
import { type BackorderRow, backorderRow } from "../domain/reports.ts";
import type { AppPorts } from "../ports/app.ts";
import { type Page, type PageRequest, readAllPages } from "../ports/paging.ts";

export type ReportDeps = Pick<AppPorts, "catalog" | "allocation" | "supply" | "clock">;

/** Waiting lines one request of the backorder report reads at most (past them its page
 * ends early, after a whole SKU, with the cursor of the next): a few seconds of queries,
 * well within the HTTP API's 30 s however long the queues. */
export const REPORT_LINES_PER_REQUEST = 20_000;

/**
 * The backorder report (contract §11): per SKU with lines waiting, its queue's count,
 * units, aging and oldest wait, what is inbound and when the soonest comes, the shortfall,
 * and its backorder limit's use. Paged over the catalog (a page of SKU codes, read
 * together); each listed SKU is one query of its waiting queue and one of its notices:
 * never a scan of the table. A page may hold fewer rows than SKUs read (those with nothing
 * waiting are left out), and ends early once `lineBudget` waiting lines are read; `next`
 * goes on.
 */
export async function backorderReport(
  deps: ReportDeps,
  request: PageRequest,
  lineBudget = REPORT_LINES_PER_REQUEST,
): Promise<Page<BackorderRow>> {
  const codes = await deps.catalog.skuCodes(request);
  const skus = await deps.catalog.getSkus(codes.items);
  const today = toIsoDate(deps.clock.now());
  const rows: BackorderRow[] = [];
  let read = 0;
  for (const [i, code] of codes.items.entries()) {
    const sku = skus.get(code);
    if (!sku || sku.backorderedQty <= 0) continue;
    const [waiting, inbound] = await Promise.all([
      waitingAgesOf(deps.allocation, code),
      deps.supply.inbound(code),
    ]);
    read += waiting.length;
    if (waiting.length > 0) rows.push(backorderRow(sku, waiting, inbound, today));
    if (read >= lineBudget && i < codes.items.length - 1) {
      return { items: rows, next: deps.catalog.skuCodeCursor(code) };
    }
  }
  return { items: rows, next: codes.next };
}

/**
 * The promise report (contract §11) of the days from `from` to `to`: lines shipped on or
 * before their first promise, late by tier, cancelled by reason, and the days from order
 * to shipment (average, p90), per SKU and in total. Read from tallies kept by day and SKU
 * as each line ships or is cancelled: one query per month of the span, whose work grows
 * with the days and SKUs, never with the lines.
 */
export async function promiseReport(
  deps: Pick<AppPorts, "outcomes">,
  from: string,
  to: string,
): Promise<ReturnType<typeof promiseFiguresOf>> {
  return promiseFiguresOf(await deps.outcomes.talliesBetween(from, to));
}

/** A SKU's whole waiting queue as the report counts it (units and order times). */
function waitingAgesOf(allocation: ReportDeps["allocation"], sku: string) {
  return readAllPages(async (after) => {
    const page = await allocation.waitingAges(sku, after);
    return { items: page.lines, next: page.next };
  });
}
