import { refusals } from "../domain/errors.ts";
import { qtyBySku } from "../domain/model.ts";
import type { InboundUse, ReceiptAllocation, ReceiptRecord } from "../ports/allocation.ts";
import type { AppPorts } from "../ports/app.ts";
import { type AllocateDeps, allocateWaitingUntil } from "./allocate.ts";
import { type BulkDeps, workInlineThenHandOver } from "./bulk.ts";
import { requestHash } from "./place-order.ts";
import { type EtaDeps, redate } from "./supply.ts";

export interface ReceiptRequest {
  receiptId: string;
  asnId?: string | undefined;
  lines: { sku: string; qty: number }[];
}

export type ReceiveDeps = AllocateDeps & EtaDeps & Pick<AppPorts, "catalog">;

/**
 * A warehouse receipt: adds the units to stock and gives them to waiting lines oldest
 * first. Idempotent by receiptId: the stock is added once, and a redelivery (or a retry
 * after a crash) finishes the allocation and answers the same. Runs it to the end (a test,
 * or a bulk job); the HTTP call uses takeReceipt.
 */
export async function receiveStock(deps: ReceiveDeps, request: ReceiptRequest) {
  const receipt = await recordOnce(deps, request);
  await continueReceipt(deps, receipt.receiptId);
  return (await deps.allocation.getReceipt(receipt.receiptId)) ?? receipt;
}

/**
 * The HTTP call's receipt (contract §6): recorded once, then worked on for a few seconds;
 * `done` with the whole cross-dock list when that was enough, otherwise a bulk job goes on
 * with it (GET /v1/receipts/{id} shows its progress).
 */
export async function takeReceipt(
  deps: BulkDeps,
  request: ReceiptRequest,
): Promise<{ receipt: ReceiptRecord; done: boolean }> {
  const recorded = await recordOnce(deps, request);
  const done =
    recorded.done ||
    (await workInlineThenHandOver(deps, [{ kind: "receipt", receiptId: recorded.receiptId }]));
  const receipt = done ? await deps.allocation.getReceipt(recorded.receiptId) : recorded;
  return { receipt: receipt ?? recorded, done };
}

/** The receipt as recorded (a new one now), or a refusal when its id names other lines. */
async function recordOnce(deps: ReceiveDeps, request: ReceiptRequest): Promise<ReceiptRecord> {
  const hash = requestHash(request);
  let receipt = await deps.allocation.getReceiptHead(request.receiptId);
  if (!receipt) {
    const skus = [...new Set(request.lines.map((l) => l.sku))];
    const known = await deps.catalog.getSkus(skus);
    const unknown = skus.filter((s) => !known.has(s));
    if (unknown.length > 0) {
      throw refusals.rejected(
        "unknown-sku",
        "Unknown SKU",
        `No such SKU: ${unknown.join(", ")}. Nothing was received.`,
        { skus: unknown },
      );
    }
    const bySku = Object.fromEntries(qtyBySku(request.lines));
    const fresh: ReceiptRecord = {
      receiptId: request.receiptId,
      ...(request.asnId ? { asnId: request.asnId } : {}),
      lines: request.lines,
      requestHash: hash,
      allocations: [],
      unitsLeft: bySku,
      pendingStock: bySku,
      inbound: await inboundUsed(deps, request),
      done: false,
      createdAt: deps.clock.now().toISOString(),
    };
    receipt = (await deps.allocation.recordReceipt(fresh))
      ? fresh
      : await deps.allocation.getReceiptHead(request.receiptId);
    if (!receipt) throw new Error(`receipt ${request.receiptId} vanished`);
  }
  if (receipt.requestHash !== hash) {
    throw refusals.rejected(
      "receipt-id-reused",
      "Receipt id reused",
      "A receipt with this receiptId but other lines was already recorded.",
    );
  }
  return receipt;
}

/**
 * Works on a recorded receipt until `deadline` (epoch ms); true once it is done: its units
 * are in stock (one SKU a transaction), given to waiting lines oldest first (each fill
 * claims its units from the receipt, so copies of it running at once give them once), the
 * lines still waiting are dated again, and it is marked done.
 */
export async function continueReceipt(
  deps: ReceiveDeps,
  receiptId: string,
  deadline = Number.POSITIVE_INFINITY,
): Promise<boolean> {
  const receipt = await deps.allocation.getReceiptHead(receiptId);
  if (!receipt) throw new Error(`receipt ${receiptId} does not exist`);
  if (receipt.done) return true;
  for (const [sku, qty] of Object.entries(receipt.pendingStock ?? {})) {
    const inbound = receipt.inbound?.find((i) => i.sku === sku);
    await deps.allocation.addReceiptStock(receiptId, sku, qty, inbound);
  }
  const skus = [...qtyBySku(receipt.lines).keys()];
  for (const sku of skus) {
    if ((receipt.unitsLeft?.[sku] ?? 0) <= 0) continue;
    const { finished } = await allocateWaitingUntil(deps, sku, { receiptId, deadline });
    if (!finished) return false;
  }
  // The queue moved on: the lines still waiting get their dates again.
  for (const sku of skus) {
    if (!(await redate(deps, sku, deadline)).finished) return false;
  }
  await deps.allocation.markReceiptDone(receiptId);
  return true;
}

/**
 * The receipts' backstop (reconcile-orders, on its schedule): a receipt recorded more than
 * `graceMs` ago and still not done goes on in a bulk job. Its call died after recording it
 * and the warehouse never sent it again, or its bulk job failed: either way the units are
 * in the table, and would otherwise never reach stock or the lines waiting for them. A job
 * still running under the receipt's name is not started twice (sfn-bulk-jobs.ts); the work
 * reads what is left, so a job and a late retry of the call give the units once.
 */
export async function resumeUnfinishedReceipts(
  deps: Pick<BulkDeps, "allocation" | "bulk" | "clock">,
  graceMs = 5 * 60_000,
): Promise<number> {
  const before = new Date(deps.clock.now().getTime() - graceMs);
  const unfinished = await deps.allocation.unfinishedReceipts(before);
  for (const receiptId of unfinished) await deps.bulk.start({ kind: "receipt", receiptId });
  return unfinished.length;
}

/** Units received against a notice are no longer inbound (one update per SKU: a
 * transaction may not touch an item twice). */
async function inboundUsed(
  deps: Pick<AppPorts, "supply">,
  request: ReceiptRequest,
): Promise<InboundUse[]> {
  if (!request.asnId) return [];
  const used: InboundUse[] = [];
  for (const [sku, qty] of qtyBySku(request.lines)) {
    const notice = (await deps.supply.inbound(sku)).find((i) => i.asnId === request.asnId);
    // More may come than was noticed: what is on its way ends at none, not below.
    if (notice) {
      used.push({
        sku,
        supplierId: notice.supplierId,
        asnId: notice.asnId,
        qty: Math.min(qty, notice.qty),
      });
    }
  }
  return used;
}

/** A receipt and one page of its cross-dock list (GET /v1/receipts/{id}). */
export async function receiptPage(
  deps: Pick<AppPorts, "allocation">,
  receiptId: string,
  cursor: string | undefined,
  limit: number,
): Promise<{ receipt: ReceiptRecord; allocations: ReceiptAllocation[]; next: string | null }> {
  const receipt = await deps.allocation.getReceiptHead(receiptId);
  if (!receipt) throw refusals.notFound(`Receipt ${receiptId}`);
  const page = await deps.allocation.receiptAllocations(receiptId, cursor ?? null, limit);
  return { receipt, allocations: page.allocations, next: page.next };
}
