import * as z from "zod";

/** A supplier's advance shipping notice (contract §6), as the domain keeps it. */
export const advanceShippingNoticeSchema = z.object({
  asnId: z.string(),
  revision: z.number().int(),
  poNumber: z.string().optional(),
  shippedAt: z.string().optional(),
  estimatedDeliveryAt: z.string(),
  carrier: z.string().optional(),
  trackingNumbers: z.array(z.string()).optional(),
  lines: z.array(z.object({ sku: z.string(), qty: z.number().int(), lot: z.string().optional() })),
});
export type AdvanceShippingNotice = z.infer<typeof advanceShippingNoticeSchema>;

export const storedAsnSchema = advanceShippingNoticeSchema.extend({
  supplierId: z.string(),
  receivedAt: z.string(),
});
export type StoredAsn = z.infer<typeof storedAsnSchema>;
