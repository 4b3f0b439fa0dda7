import { splitRemainder } from "../../shared/domain/allocation.ts";
import type { Line } from "../../shared/domain/model.ts";
import type {
  AllocateOutcome,
  AllocationStore,
  InboundUse,
  LineFill,
  ReceiptRecord,
  WaitingPage,
} from "../../shared/ports/allocation.ts";
import { check, clone, type FakeDb, lineKey, markWake, moveLine } from "./db.ts";
import { fillFromFree, receiveUnits } from "./stock.ts";

/** A line's place in its SKU's waiting queue (the index's sort key). */
const placeOf = (line: Pick<Line, "createdAt" | "lineId">) => `${line.createdAt}#${line.lineId}`;

/** The waiting queue, allocation and receipts (shared/adapters/dynamodb/allocation.ts). */
export class FakeAllocation implements AllocationStore {
  constructor(private readonly db: FakeDb) {}

  async waitingLines(sku: string, limit = 100, after?: string): Promise<WaitingPage> {
    const lines = [...this.db.tables.lines.values()]
      .filter((l) => l.status === "backordered" && l.sku === sku)
      .filter((l) => after === undefined || placeOf(l) > after)
      .sort((a, b) => placeOf(a).localeCompare(placeOf(b)))
      .slice(0, limit);
    const last = lines.at(-1);
    // As a Query with a Limit: a full page says where to go on, even if nothing follows.
    return { lines: lines.map(clone), next: lines.length === limit && last ? placeOf(last) : null };
  }

  waitingCursor(line: Line): string {
    return placeOf(line);
  }

  async waitingAges(sku: string, after?: string) {
    const page = await this.waitingLines(sku, 1000, after);
    return { lines: page.lines.map(({ qty, createdAt }) => ({ qty, createdAt })), next: page.next };
  }

  async allocateLines(
    sku: string,
    fills: readonly LineFill[],
    at: Date,
    newLineId: () => string,
    receiptId?: string,
    allocatedWas?: number,
  ): Promise<AllocateOutcome> {
    const total = fills.reduce((n, f) => n + f.qty, 0);
    if (total === 0) return { outcome: "allocated", remainders: [] };
    const remainders: Line[] = [];
    const failed = await this.db.write("allocation.allocateLines", (t) => {
      if (allocatedWas !== undefined) {
        check(t.skus.get(sku)?.allocated === allocatedWas, "no other allocation since the read");
      }
      fillFromFree(t.skus.get(sku), total);
      for (const { line, qty, remainder } of fills) {
        const stored = moveLine(t.lines.get(lineKey(line.orderId, line.lineId)), "allocated", at);
        markWake(t, line.orderId, line.lineId, at);
        check(stored.qty === line.qty, `line ${line.lineId} still wants ${line.qty}`);
        stored.qty = qty;
        stored.consentBy = null;
        stored.owedNotice = null;
        if (remainder > 0) {
          // The rest of the line as it was read, waiting in its place under a new id.
          const rest: Line = splitRemainder(clone(line), newLineId(), remainder);
          check(!t.lines.has(lineKey(rest.orderId, rest.lineId)), "the remainder is new");
          t.lines.set(lineKey(rest.orderId, rest.lineId), rest);
          t.live.add(lineKey(rest.orderId, rest.lineId));
          remainders.push(clone(rest));
        }
      }
      if (receiptId) {
        const receipt = t.receipts.get(receiptId);
        const left = receipt?.unitsLeft?.[sku] ?? 0;
        check(receipt && left >= total, `the receipt has ${total} units of ${sku} left to give`);
        receipt.unitsLeft = { ...receipt.unitsLeft, [sku]: left - total };
        const batch = `${receiptId}#${at.toISOString()}#${fills[0]?.line.lineId}`;
        check(!t.receiptFills.has(batch), "the batch is new");
        t.receiptFills.set(
          batch,
          fills.map((f) => ({ lineId: f.line.lineId, orderId: f.line.orderId, sku, qty: f.qty })),
        );
      }
    });
    return failed ? { outcome: "changed" } : { outcome: "allocated", remainders };
  }

  async getReceipt(receiptId: string): Promise<ReceiptRecord | null> {
    const head = this.db.tables.receipts.get(receiptId);
    if (!head) return null;
    const allocations = [...this.db.tables.receiptFills]
      .filter(([batch]) => batch.startsWith(`${receiptId}#`))
      .sort(([a], [b]) => a.localeCompare(b))
      .flatMap(([, fills]) => fills);
    return clone({ ...head, allocations });
  }

  async getReceiptHead(receiptId: string): Promise<ReceiptRecord | null> {
    const head = this.db.tables.receipts.get(receiptId);
    return head ? clone({ ...head, allocations: [] }) : null;
  }

  async receiptUnitsLeft(receiptId: string, sku: string): Promise<number> {
    return this.db.tables.receipts.get(receiptId)?.unitsLeft?.[sku] ?? 0;
  }

  async recordReceipt(receipt: ReceiptRecord): Promise<boolean> {
    const failed = await this.db.write("allocation.recordReceipt", (t) => {
      check(!t.receipts.has(receipt.receiptId), "the receipt is new");
      t.receipts.set(receipt.receiptId, { ...clone(receipt), allocations: [] });
    });
    return failed === null;
  }

  async addReceiptStock(
    receiptId: string,
    sku: string,
    qty: number,
    inbound?: InboundUse,
  ): Promise<boolean> {
    const failed = await this.db.write("allocation.addReceiptStock", (t) => {
      const receipt = t.receipts.get(receiptId);
      check(
        receipt?.pendingStock?.[sku] !== undefined,
        `${sku} of the receipt is not in stock yet`,
      );
      const { [sku]: _, ...rest } = receipt.pendingStock;
      receipt.pendingStock = rest;
      receiveUnits(t.skus.get(sku), qty);
      // What arrived is no longer on its way.
      if (inbound) {
        const stored = t.inbound.get(`${sku}#${inbound.supplierId}#${inbound.asnId}`);
        check(stored, `inbound of ${sku} from ${inbound.asnId} exists`);
        stored.qty -= inbound.qty;
      }
    });
    return failed === null;
  }

  async receiptAllocations(receiptId: string, cursor: string | null, limit: number) {
    const all = (await this.getReceipt(receiptId))?.allocations ?? [];
    const from = cursor ? Number(cursor) : 0;
    const allocations = all.slice(from, from + limit);
    const next = from + limit < all.length ? String(from + limit) : null;
    return { allocations, next };
  }

  async markReceiptDone(receiptId: string): Promise<void> {
    await this.db.write("allocation.markReceiptDone", (t) => {
      const receipt = t.receipts.get(receiptId);
      check(receipt, "the receipt exists");
      receipt.done = true;
    });
  }

  async unfinishedReceipts(before: Date, limit = 100): Promise<string[]> {
    return [...this.db.tables.receipts.values()]
      .filter((r) => !r.done && r.createdAt < before.toISOString())
      .sort((a, b) => a.createdAt.localeCompare(b.createdAt))
      .slice(0, limit)
      .map((r) => r.receiptId);
  }
}
