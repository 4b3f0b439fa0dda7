import { monotonicFactory } from "ulid";
import { fillOldestFirst } from "../domain/allocation.ts";
import type { Line } from "../domain/model.ts";
import { logger } from "../logger.ts";
import type { Clock } from "../ports/clock.ts";
import type { Store } from "../ports/store.ts";
import type { LineSignals, LineWorkflow } from "../ports/workflow.ts";

export interface AllocateDeps {
  store: Store;
  workflow: LineWorkflow;
  signals: LineSignals;
  clock: Clock;
}

export interface Allocation {
  orderId: string;
  lineId: string;
  sku: string;
  qty: number;
}

/** Lines filled per transaction (one transaction holds 100 writes: SKU, lines, a split). */
const BATCH = 90;
const MAX_CONFLICTS = 20;
const nextUlid = monotonicFactory();

/**
 * The allocator of one SKU: gives the SKU's free stock (on hand, not allocated) to its
 * waiting lines, strictly oldest first, in batched transactions, then resumes each filled
 * line and starts an execution for each split-off remainder. With `maxUnits` it gives at
 * most that many (a receipt's own units), recording them on the receipt.
 */
export async function allocateWaiting(
  deps: AllocateDeps,
  sku: string,
  options: { maxUnits?: number; receiptId?: string } = {},
): Promise<Allocation[]> {
  const made: Allocation[] = [];
  let budget = options.maxUnits ?? Number.POSITIVE_INFINITY;
  let conflicts = 0;
  // Reads go on past the lines already filled: the queue index is eventually consistent
  // on AWS, so a read from the head could still show them.
  let after: string | undefined;
  while (budget > 0) {
    const current = await deps.store.getSku(sku);
    if (!current) break;
    const units = Math.min(budget, current.onHand - current.allocated);
    if (units <= 0) break;
    const page = await deps.store.waitingLines(sku, BATCH, after);
    if (page.lines.length === 0) break;
    const fills = fillOldestFirst(units, page.lines);
    const now = deps.clock.now();
    const result = await deps.store.allocateLines(
      sku,
      fills,
      now,
      () => `ln_${nextUlid(now.getTime())}`,
      options.receiptId,
    );
    if (result.outcome === "changed") {
      // A line was cancelled or the stock moved meanwhile: read again.
      if (++conflicts > MAX_CONFLICTS) throw new Error(`allocation of ${sku} keeps conflicting`);
      after = undefined;
      await new Promise((r) => setTimeout(r, Math.random() * 20 * Math.min(conflicts, 5)));
      continue;
    }
    for (const fill of fills) {
      made.push({ orderId: fill.line.orderId, lineId: fill.line.lineId, sku, qty: fill.qty });
      budget -= fill.qty;
    }
    const last = fills.at(-1);
    if (last) after = deps.store.waitingCursor(last.line);
    await Promise.all([
      ...fills.map((f) => wakeQuietly(deps, f.line)),
      deps.workflow.start(result.remainders.map((l) => ({ orderId: l.orderId, lineId: l.lineId }))),
    ]);
  }
  return made;
}

/**
 * Wakes an allocated line. One not parked is running between steps (it reloads on its
 * own) or has no execution yet (a split remainder whose start was cut off): starting its
 * execution by name covers the second and is a no-op for the first. A line that cannot be
 * woken now reloads itself at its next timer: log, do not fail.
 */
async function wakeQuietly(deps: AllocateDeps, line: Line) {
  const { orderId, lineId } = line;
  try {
    if ((await deps.signals.wake(orderId, lineId, "allocated")) === "not-parked") {
      await deps.workflow.start([{ orderId, lineId, name: line.executionName ?? lineId }]);
    }
  } catch (error) {
    logger.warn("could not wake an allocated line; it reloads at its next timer", {
      orderId,
      lineId,
      error: error instanceof Error ? error.message : String(error),
    });
  }
}
