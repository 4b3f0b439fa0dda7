import { monotonicFactory } from "ulid";
import { fillOldestFirst } from "../domain/allocation.ts";
import type { Line } from "../domain/model.ts";
import { logger } from "../logger.ts";
import type { AllocationStore, LineFill } from "../ports/allocation.ts";
import type { CatalogStore } from "../ports/catalog.ts";
import type { Clock } from "../ports/clock.ts";
import type { LineSignals, LineWorkflow } from "../ports/workflow.ts";
import { RACE_LOST, retryOnRace } from "./retry.ts";

export interface AllocateDeps {
  catalog: CatalogStore;
  allocation: AllocationStore;
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
  // Reads go on past the lines already filled: the queue index is eventually consistent
  // on AWS, so a read from the head could still show them.
  let after: string | undefined;
  while (budget > 0) {
    const batch = await retryOnRace(
      `allocation of ${sku}`,
      async () => {
        const current = await deps.catalog.getSku(sku);
        const units = current ? Math.min(budget, current.onHand - current.allocated) : 0;
        if (units <= 0) return null;
        const page = await deps.allocation.waitingLines(sku, BATCH, after);
        if (page.lines.length === 0) return null;
        const fills = fillOldestFirst(units, page.lines);
        const now = deps.clock.now();
        const result = await deps.allocation.allocateLines(
          sku,
          fills,
          now,
          () => `ln_${nextUlid(now.getTime())}`,
          options.receiptId,
        );
        if (result.outcome === "allocated") return { fills, remainders: result.remainders };
        // A line was cancelled or the stock moved meanwhile: read the queue again.
        after = undefined;
        return RACE_LOST;
      },
      { attempts: 20 },
    );
    if (!batch) break;
    for (const fill of batch.fills) {
      made.push({ orderId: fill.line.orderId, lineId: fill.line.lineId, sku, qty: fill.qty });
      budget -= fill.qty;
    }
    const last = batch.fills.at(-1);
    if (last) after = deps.allocation.waitingCursor(last.line);
    await Promise.all([
      ...batch.fills.map((f: LineFill) => wakeQuietly(deps, f.line)),
      deps.workflow.start(batch.remainders.map((l) => ({ orderId: l.orderId, lineId: l.lineId }))),
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
