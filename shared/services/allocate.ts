import { monotonicFactory } from "ulid";
import { fillOldestFirst } from "../domain/allocation.ts";
import type { Line } from "../domain/model.ts";
import { describeError } from "../log-redaction.ts";
import { logger } from "../logger.ts";
import type { AllocationStore, LineFill } from "../ports/allocation.ts";
import type { CatalogStore } from "../ports/catalog.ts";
import type { Clock } from "../ports/clock.ts";
import type { BusinessMetrics } from "../ports/metrics.ts";
import { readAllPages } from "../ports/paging.ts";
import type { RateLimiter } from "../ports/rates.ts";
import type { LineSignals, LineWorkflow } from "../ports/workflow.ts";
import { RACE_LOST, retryOnRace } from "./retry.ts";
import { type WakeTarget, wakeLines } from "./wakes.ts";

export interface AllocateDeps {
  catalog: CatalogStore;
  allocation: AllocationStore;
  workflow: LineWorkflow;
  signals: LineSignals;
  rates: RateLimiter;
  clock: Clock;
  metrics: BusinessMetrics;
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

/** The lines of the n-th attempt at a batch: halved at each lost race, down to one. */
const batchOf = (attempt: number) => Math.max(1, BATCH >> Math.min(attempt - 1, 7));

/**
 * The allocator of one SKU: gives the SKU's free stock (on hand, not allocated) to its
 * waiting lines, strictly oldest first, in batched transactions, then resumes each filled
 * line and starts an execution for each split-off remainder. With `maxUnits` it gives at
 * most that many (a receipt's own units), recording them on the receipt.
 */
export async function allocateWaiting(
  deps: AllocateDeps,
  sku: string,
  options: AllocateOptions = {},
): Promise<Allocation[]> {
  return (await allocateWaitingUntil(deps, sku, options)).made;
}

export interface AllocateOptions {
  /** At most this many units (a receipt's own). */
  maxUnits?: number;
  /** The receipt the units come from: it records the fills and claims their units. */
  receiptId?: string;
  /** Stop between batches once this time (epoch ms, real time) has passed. */
  deadline?: number;
}

/**
 * As allocateWaiting, in batches until `deadline`: `finished` is false when it stopped for
 * time with units and waiting lines maybe left (a bulk job goes on from there).
 */
export async function allocateWaitingUntil(
  deps: AllocateDeps,
  sku: string,
  options: AllocateOptions = {},
): Promise<{ made: Allocation[]; finished: boolean }> {
  const made: Allocation[] = [];
  let budget = options.maxUnits ?? Number.POSITIVE_INFINITY;
  // Reads go on past the lines already filled: the queue index is eventually consistent
  // on AWS, so a read from the head could still show them.
  let after: string | undefined;
  while (budget > 0) {
    if (options.deadline !== undefined && Date.now() > options.deadline) {
      return { made, finished: false };
    }
    const batch = await retryOnRace(
      `allocation of ${sku}`,
      async (n) => {
        // A receipt gives only the units it has left: a concurrent copy may have given some.
        if (options.receiptId) {
          budget = Math.min(budget, await deps.allocation.receiptUnitsLeft(options.receiptId, sku));
        }
        const current = await deps.catalog.getSku(sku);
        const units = current ? Math.min(budget, current.onHand - current.allocated) : 0;
        if (units <= 0) return null;
        // A transaction that keeps conflicting with the lines' own writes (a busy moment,
        // every execution restarting) is retried smaller: fewer lines, fewer conflicts.
        const page = await deps.allocation.waitingLines(sku, batchOf(n), after);
        if (page.lines.length === 0) return null;
        const fills = fillOldestFirst(units, page.lines);
        const now = deps.clock.now();
        const result = await deps.allocation.allocateLines(
          sku,
          fills,
          now,
          () => `ln_${nextUlid(now.getTime())}`,
          options.receiptId,
          // Oldest first across allocations at once: the queue was read after the SKU.
          current?.allocated,
        );
        if (result.outcome === "allocated") {
          return { fills, remainders: result.remainders, tokens: page.tokens };
        }
        // A line was cancelled or the stock moved meanwhile: read the queue again.
        after = undefined;
        return RACE_LOST;
      },
      { attempts: 20 },
    );
    if (!batch) break;
    deps.metrics.count("LinesFilled", batch.fills.length);
    for (const fill of batch.fills) {
      made.push({ orderId: fill.line.orderId, lineId: fill.line.lineId, sku, qty: fill.qty });
      budget -= fill.qty;
    }
    const last = batch.fills.at(-1);
    if (last) after = deps.allocation.waitingCursor(last.line);
    await Promise.all([
      // A bulk job waits its turn at the wake-up rate (so its pace is the rate's); a
      // request leaves what the rate does not allow now to the wake deliverer.
      wakeFilled(
        deps,
        batch.fills.map((f: LineFill) => ({
          ...f.line,
          waitToken: batch.tokens?.get(f.line.lineId),
        })),
        options.deadline,
      ),
      startRemainders(deps, batch.remainders),
    ]);
  }
  return { made, finished: true };
}

/**
 * Starts the executions of split remainders (the waiting part of a partly filled line). A
 * start refused (Step Functions throttled, or the StartExecution rate used up) does not
 * fail the fill, which is written: the remainder is a live line, and the backstop over
 * live lines starts an execution that is missing (reconcile.ts).
 */
async function startRemainders(deps: AllocateDeps, lines: readonly Line[]) {
  if (lines.length === 0) return;
  await deps.workflow
    .start(lines.map((l) => ({ orderId: l.orderId, lineId: l.lineId })))
    .catch((error: unknown) => {
      logger.warn("could not start split remainders' executions; recovery starts them", {
        lineIds: lines.map((l) => l.lineId),
        error: describeError(error),
      });
    });
}

/**
 * Wakes allocated lines (marked by the allocation's own write, so a failed wake-up is
 * retried by the wake deliverer). One not parked is running between steps (it reloads on
 * its own) or has no execution yet (a split remainder whose start was cut off): starting
 * its execution by name covers the second and is a no-op for the first.
 */
async function wakeFilled(
  deps: AllocateDeps,
  lines: readonly (Line & WakeTarget)[],
  until?: number,
) {
  const outcomes = await wakeLines(deps, lines, "allocated", until);
  const idle = lines.filter((l) => outcomes.get(l.lineId) === "not-parked");
  if (idle.length === 0) return;
  await deps.workflow
    .start(
      idle.map((l) => ({
        orderId: l.orderId,
        lineId: l.lineId,
        name: l.executionName ?? l.lineId,
      })),
    )
    .catch((error: unknown) => {
      logger.warn("could not start allocated lines' executions; recovery starts them", {
        lineIds: idle.map((l) => l.lineId),
        error: describeError(error),
      });
    });
}

/** A SKU's whole waiting queue, oldest first (every page of it). */
export function waitingQueue(allocation: AllocationStore, sku: string): Promise<Line[]> {
  return readAllPages(async (after) => {
    const page = await allocation.waitingLines(sku, 500, after);
    return { items: page.lines, next: page.next };
  });
}
