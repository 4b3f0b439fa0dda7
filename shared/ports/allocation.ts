import * as z from "zod";
import type { Line } from "../domain/model.ts";

const skuQty = { sku: z.string(), qty: z.number().int() };

/** Units of a receipt given to one waiting line (the cross-dock list). */
export const receiptAllocationSchema = z.object({
  lineId: z.string(),
  orderId: z.string(),
  ...skuQty,
});

/** A warehouse receipt (contract §6), kept so a redelivery answers the same. */
export const receiptRecordSchema = z.object({
  receiptId: z.string(),
  asnId: z.string().optional(),
  lines: z.array(z.object(skuQty)),
  requestHash: z.string(),
  /** Units of this receipt given to waiting lines, as they are made. */
  allocations: z.array(receiptAllocationSchema),
  /** Units of each SKU this receipt has still to give (a fill claims them in its own
   * transaction, so concurrent copies of one receipt give its units once). */
  unitsLeft: z.record(z.string(), z.number().int()).optional(),
  /** SKUs whose units are not in stock yet (added one SKU a transaction), by quantity. */
  pendingStock: z.record(z.string(), z.number().int()).optional(),
  /** Units received against a supplier's notice, taken off its inbound with the stock. */
  inbound: z.array(z.object({ ...skuQty, supplierId: z.string(), asnId: z.string() })).optional(),
  done: z.boolean(),
  createdAt: z.string(),
});
export type ReceiptRecord = z.infer<typeof receiptRecordSchema>;
export type ReceiptAllocation = z.infer<typeof receiptAllocationSchema>;

/** Units received against a supplier's notice: no longer on their way. */
export interface InboundUse {
  sku: string;
  supplierId: string;
  asnId: string;
  qty: number;
}

/** Units of one SKU given to one waiting line. */
export interface LineFill {
  line: Line;
  qty: number;
  remainder: number;
}

export type AllocateOutcome = { outcome: "allocated"; remainders: Line[] } | { outcome: "changed" };

/** A page of a SKU's waiting queue; `next` continues it. */
export interface WaitingPage {
  lines: Line[];
  next: string | null;
  /** The task token each line was parked with, as it was read (it may be stale by the
   * time the line is woken: a wake-up tries it first, then the token the line has now). */
  tokens?: ReadonlyMap<string, string>;
}

/** The waiting queue of each SKU, allocation from it, and the receipts that feed it. */
export interface AllocationStore {
  /** A SKU's backordered lines, oldest first: a page of the waiting-queue index, each line
   * then read whole (and still waiting) from the table. */
  waitingLines(sku: string, limit?: number, after?: string): Promise<WaitingPage>;
  /** Where a queue read goes on after `line` (an opaque cursor for `waitingLines`). */
  waitingCursor(line: Line): string;
  /** A SKU's waiting lines, oldest first, as the reports need them: their units and when
   * they were ordered, in pages as large as the store reads at once (lighter than whole
   * lines: a long queue is counted, not loaded). */
  waitingAges(
    sku: string,
    after?: string,
  ): Promise<{ lines: Pick<Line, "qty" | "createdAt">[]; next: string | null }>;
  /**
   * Allocates stock to waiting lines in one transaction: each filled line becomes
   * `allocated` (a partly filled one is split, the remainder a new waiting line keeping the
   * original's place), the SKU's counters move, and the receipt (if any) records the fills
   * and claims their units from its `unitsLeft`. `changed`: a line, the SKU or the
   * receipt's units moved since they were read; read again. `allocatedWas`: the SKU's
   * allocated units as read before the queue was: another allocation since (which may
   * have put a split's remainder in the queue, ahead of the lines chosen) refuses this one,
   * so two allocations of a SKU never choose from one stale view of its queue.
   */
  allocateLines(
    sku: string,
    fills: readonly LineFill[],
    at: Date,
    newLineId: () => string,
    receiptId?: string,
    allocatedWas?: number,
  ): Promise<AllocateOutcome>;
  /** A receipt with its whole cross-dock list. */
  getReceipt(receiptId: string): Promise<ReceiptRecord | null>;
  /** A receipt without its cross-dock list (`allocations` empty): one read. */
  getReceiptHead(receiptId: string): Promise<ReceiptRecord | null>;
  /** Units of a SKU the receipt has still to give (strongly consistent). */
  receiptUnitsLeft(receiptId: string, sku: string): Promise<number>;
  /**
   * Stores a new receipt, its units still to be added to stock (`pendingStock`) and given
   * (`unitsLeft`). False when a receipt with this id exists already.
   */
  recordReceipt(receipt: ReceiptRecord): Promise<boolean>;
  /**
   * Adds a receipt's units of one SKU to stock and takes them off the notice they came
   * against, once: false when they were added already. One SKU a transaction, so a
   * receipt of any number of SKUs stays within DynamoDB's 100 items.
   */
  addReceiptStock(
    receiptId: string,
    sku: string,
    qty: number,
    inbound?: InboundUse,
  ): Promise<boolean>;
  /** One page of a receipt's cross-dock list, in the order the fills were made. */
  receiptAllocations(
    receiptId: string,
    cursor: string | null,
    limit: number,
  ): Promise<{ allocations: ReceiptAllocation[]; next: string | null }>;
  /** Marks a receipt done, and takes it off the unfinished receipts. */
  markReceiptDone(receiptId: string): Promise<void>;
  /**
   * Receipts recorded before `before` and not done yet, oldest first (at most `limit`): what
   * the receipts' backstop goes on with.
   */
  unfinishedReceipts(before: Date, limit?: number): Promise<string[]>;
}
