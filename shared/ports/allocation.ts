import { z } from "zod";
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
  done: z.boolean(),
  createdAt: z.string(),
});
export type ReceiptRecord = z.infer<typeof receiptRecordSchema>;

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
}

/** The waiting queue of each SKU, allocation from it, and the receipts that feed it. */
export interface AllocationStore {
  /** A SKU's backordered lines, oldest first: one Query on the waiting-queue index. */
  waitingLines(sku: string, limit?: number, after?: string): Promise<WaitingPage>;
  /** Where a queue read goes on after `line` (an opaque cursor for `waitingLines`). */
  waitingCursor(line: Line): string;
  /**
   * Allocates stock to waiting lines in one transaction: each filled line becomes
   * `allocated` (a partly filled one is split, the remainder a new waiting line keeping the
   * original's place), the SKU's counters move, and the receipt (if any) records the fills.
   * `changed`: a line or the SKU moved since they were read; read again.
   */
  allocateLines(
    sku: string,
    fills: readonly LineFill[],
    at: Date,
    newLineId: () => string,
    receiptId?: string,
  ): Promise<AllocateOutcome>;
  getReceipt(receiptId: string): Promise<ReceiptRecord | null>;
  /**
   * Stores a new receipt and adds its units to each SKU's stock (and takes them off the
   * notice they came against), together. False when a receipt with this id exists already.
   */
  recordReceipt(receipt: ReceiptRecord, inboundUsed?: readonly InboundUse[]): Promise<boolean>;
  markReceiptDone(receiptId: string): Promise<void>;
}
