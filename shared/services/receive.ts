import { refusals } from "../domain/errors.ts";
import { qtyBySku } from "../domain/model.ts";
import type { InboundUse, ReceiptRecord } from "../ports/allocation.ts";
import type { AppPorts } from "../ports/app.ts";
import { type AllocateDeps, allocateWaiting } from "./allocate.ts";
import { requestHash } from "./place-order.ts";
import { type EtaDeps, refreshEtas } from "./supply.ts";

export interface ReceiptRequest {
  receiptId: string;
  asnId?: string | undefined;
  lines: { sku: string; qty: number }[];
}

/**
 * A warehouse receipt: adds the units to stock and gives them to waiting lines oldest
 * first. Idempotent by receiptId: the stock is added once, and a redelivery (or a retry
 * after a crash) finishes the allocation and answers the same. Returns the receipt with
 * its cross-dock list.
 */
export async function receiveStock(
  deps: AllocateDeps & EtaDeps & Pick<AppPorts, "catalog">,
  request: ReceiptRequest,
): Promise<ReceiptRecord> {
  const hash = requestHash(request);
  let receipt = await deps.allocation.getReceipt(request.receiptId);
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
    const fresh: ReceiptRecord = {
      receiptId: request.receiptId,
      ...(request.asnId ? { asnId: request.asnId } : {}),
      lines: request.lines,
      requestHash: hash,
      allocations: [],
      done: false,
      createdAt: deps.clock.now().toISOString(),
    };
    receipt = (await deps.allocation.recordReceipt(fresh, await inboundUsed(deps, request)))
      ? fresh
      : await deps.allocation.getReceipt(request.receiptId);
    if (!receipt) throw new Error(`receipt ${request.receiptId} vanished`);
  }
  if (receipt.requestHash !== hash) {
    throw refusals.rejected(
      "receipt-id-reused",
      "Receipt id reused",
      "A receipt with this receiptId but other lines was already recorded.",
    );
  }
  if (!receipt.done) {
    const received = qtyBySku(receipt.lines);
    for (const [sku, qty] of received) {
      const already = receipt.allocations
        .filter((a) => a.sku === sku)
        .reduce((n, a) => n + a.qty, 0);
      if (qty - already > 0) {
        await allocateWaiting(deps, sku, { maxUnits: qty - already, receiptId: receipt.receiptId });
      }
    }
    // The queue moved on: the lines still waiting get their dates again.
    for (const sku of received.keys()) await refreshEtas(deps, sku);
    await deps.allocation.markReceiptDone(receipt.receiptId);
    receipt = (await deps.allocation.getReceipt(receipt.receiptId)) ?? receipt;
  }
  return receipt;
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
    if (notice) used.push({ sku, supplierId: notice.supplierId, asnId: notice.asnId, qty });
  }
  return used;
}
