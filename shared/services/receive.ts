import { putAway } from "../domain/allocation.ts";
import { qtyBySku } from "../domain/model.ts";
import type { ReceiptRecord } from "../ports/store.ts";
import { type AllocateDeps, allocateWaiting } from "./allocate.ts";
import { requestHash } from "./place-order.ts";
import { type EtaDeps, refreshEtas } from "./supply.ts";

export interface ReceiptRequest {
  receiptId: string;
  asnId?: string | undefined;
  lines: { sku: string; qty: number }[];
}

export type ReceiveResult =
  | { outcome: "received"; body: ReturnType<typeof receiptView> }
  | { outcome: "unknown-sku"; skus: string[] }
  | { outcome: "receipt-id-reused" };

/** `POST /v1/receipts` answer: the cross-dock list and what is left to put away. */
export function receiptView(receipt: ReceiptRecord) {
  const received = qtyBySku(receipt.lines);
  const allocated = qtyBySku(receipt.allocations);
  return {
    receiptId: receipt.receiptId,
    allocations: receipt.allocations.map(({ lineId, sku, qty }) => ({ lineId, sku, qty })),
    putAway: [...received]
      .map(([sku, qty]) => ({ sku, qty: putAway(qty, allocated.get(sku) ?? 0) }))
      .filter((p) => p.qty > 0),
  };
}

/**
 * A warehouse receipt: adds the units to stock and gives them to waiting lines oldest
 * first. Idempotent by receiptId: the stock is added once, and a redelivery (or a retry
 * after a crash) finishes the allocation and answers the same.
 */
export async function receiveStock(
  deps: AllocateDeps & EtaDeps,
  request: ReceiptRequest,
): Promise<ReceiveResult> {
  const hash = requestHash(request);
  let receipt = await deps.store.getReceipt(request.receiptId);
  if (!receipt) {
    const skus = [...new Set(request.lines.map((l) => l.sku))];
    const known = await deps.store.getSkus(skus);
    const unknown = skus.filter((s) => !known.has(s));
    if (unknown.length > 0) return { outcome: "unknown-sku", skus: unknown };
    const fresh: ReceiptRecord = {
      receiptId: request.receiptId,
      ...(request.asnId ? { asnId: request.asnId } : {}),
      lines: request.lines,
      requestHash: hash,
      allocations: [],
      done: false,
      createdAt: deps.clock.now().toISOString(),
    };
    // Units received against a notice are no longer inbound.
    const inboundUsed = [];
    if (request.asnId) {
      // One update per SKU: a transaction may not touch an item twice.
      for (const [sku, qty] of qtyBySku(request.lines)) {
        const notice = (await deps.supply.inbound(sku)).find((i) => i.asnId === request.asnId);
        if (notice) inboundUsed.push({ key: deps.supply.inboundKeyOf(sku, notice), qty });
      }
    }
    receipt = (await deps.store.recordReceipt(fresh, inboundUsed))
      ? fresh
      : await deps.store.getReceipt(request.receiptId);
    if (!receipt) throw new Error(`receipt ${request.receiptId} vanished`);
  }
  if (receipt.requestHash !== hash) return { outcome: "receipt-id-reused" };
  if (!receipt.done) {
    const received = qtyBySku(receipt.lines);
    for (const [sku, qty] of received) {
      const already = receipt.allocations
        .filter((a) => a.sku === sku)
        .reduce((n, a) => n + a.qty, 0);
      if (qty - already > 0) {
        await allocateWaiting(deps, sku, {
          maxUnits: qty - already,
          receiptId: receipt.receiptId,
        });
      }
    }
    // The queue moved on: the lines still waiting get their dates again.
    for (const sku of received.keys()) await refreshEtas(deps, sku);
    await deps.store.markReceiptDone(receipt.receiptId);
    receipt = (await deps.store.getReceipt(receipt.receiptId)) ?? receipt;
  }
  return { outcome: "received", body: receiptView(receipt) };
}
