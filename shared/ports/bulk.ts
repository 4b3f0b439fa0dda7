import * as z from "zod";

/**
 * Work too large for an HTTP call's 30 s (contract §6): a receipt's fan-out, a stock raise
 * or cancel that fills many waiting lines, a notice that re-dates many. Each kind is
 * idempotent and resumable: it goes on from what the table says is left.
 */
export const bulkJobSchema = z.discriminatedUnion("kind", [
  /** Add a receipt's units to stock, give them to waiting lines, re-date the rest. */
  z.object({ kind: z.literal("receipt"), receiptId: z.string().min(1) }),
  /** Give a SKU's free stock to its waiting lines, oldest first. */
  z.object({ kind: z.literal("allocate"), sku: z.string().min(1) }),
  /** Give a SKU's waiting lines their dates from the inbound notices again. */
  z.object({ kind: z.literal("etas"), sku: z.string().min(1) }),
]);
export type BulkJob = z.infer<typeof bulkJobSchema>;

/** Runs bulk jobs outside the HTTP call (the bulk state machine on AWS and locally). */
export interface BulkJobs {
  /** Starts a job; starting the same receipt's job twice runs it once. */
  start(job: BulkJob): Promise<void>;
}
