import * as z from "zod";
import {
  type CancelReason,
  type Line,
  lineSchema,
  type Order,
  orderSchema,
} from "../domain/model.ts";

/** A stored answer to an idempotent request (contract §5, Idempotency-Key). */
export const idempotencyRecordSchema = z.object({
  scope: z.string(),
  key: z.string(),
  /** SHA-256 of the canonical request body. */
  requestHash: z.string(),
  orderId: z.string(),
  /** The order and its lines as the first call placed them: a replay answers them again. */
  created: z.object({ order: orderSchema, lines: z.array(lineSchema) }),
  createdAt: z.string(),
  /** Epoch seconds; the table's TTL removes the record after it. */
  expiresAt: z.number(),
  /** Set once the work after the write (emails, executions) has been done. */
  followUpDone: z.boolean().optional(),
});
export type IdempotencyRecord = z.infer<typeof idempotencyRecordSchema>;

/** What an order takes from one SKU, with the limit it was planned against. */
export interface StockTake {
  sku: string;
  allocate: number;
  backorder: number;
  /** The SKU's backorder limit as read when planning (none = no cap). */
  limit: number | undefined;
}

export interface NewOrder {
  order: Order;
  lines: Line[];
  stock: StockTake[];
  idempotency: IdempotencyRecord;
}

/**
 * `stock-changed`: a SKU moved since it was read (plan again); `idempotency-key-taken`:
 * a concurrent request with the same key won (replay its answer).
 */
export type CreateOrderOutcome = "created" | "stock-changed" | "idempotency-key-taken";

/** Orders and their lines, with the idempotency records of intake. */
export interface OrderStore {
  /**
   * Writes an order, its lines, what it takes from each SKU and its idempotency record in
   * one transaction: all of it or nothing.
   */
  createOrder(input: NewOrder): Promise<CreateOrderOutcome>;
  /** Adds lines to an existing order with what they take from stock, all or nothing. */
  addLines(
    lines: readonly Line[],
    stock: readonly StockTake[],
  ): Promise<"created" | "stock-changed">;
  getOrder(orderId: string): Promise<Order | null>;
  /** Withdraws the order's customer links: its link generation moves on by one (returned);
   * null when there is no such order (nothing written). */
  revokeLinks(orderId: string, at: Date): Promise<number | null>;
  getLine(orderId: string, lineId: string): Promise<Line | null>;
  /** The order's lines, oldest first. */
  listLines(orderId: string): Promise<Line[]>;
  /** Cancels a line still in the status it was read in, releasing its units from the
   * counter that holds them; false if it moved. */
  cancelLine(line: Line, at: Date, reason?: CancelReason): Promise<boolean>;

  getIdempotency(scope: string, key: string): Promise<IdempotencyRecord | null>;
  /** Marks the work after the write done; the record leaves the pending index. */
  markIdempotencyDone(scope: string, key: string): Promise<void>;
  /** Records whose follow-up is not done, written before `before` (oldest first). */
  pendingFollowUps(scope: string, before: Date, limit?: number): Promise<IdempotencyRecord[]>;
}
