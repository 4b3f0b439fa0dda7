import { z } from "zod";
import type { Inbound } from "../domain/inbound.ts";
import type { AdvanceShippingNotice, StoredAsn } from "../domain/supply.ts";

/** The answer given to a notice's delivery (replayed to a redelivery). */
export const deliveryAnswerSchema = z.object({ asnId: z.string(), status: z.string() });
export type DeliveryAnswer = z.infer<typeof deliveryAnswerSchema>;

/** Supplier notices, what they bring per SKU, and the answers to webhook deliveries. */
export interface SupplyStore {
  /** The answer given to an earlier delivery of this webhook, if any. */
  getDelivery(supplierId: string, webhookId: string): Promise<DeliveryAnswer | null>;
  saveDelivery(
    supplierId: string,
    webhookId: string,
    answer: DeliveryAnswer,
    at: Date,
  ): Promise<void>;
  getAsn(supplierId: string, asnId: string): Promise<StoredAsn | null>;
  /**
   * Stores a notice if it is new or a higher revision, replacing the inbound quantities of
   * the revision before in the same transaction. False for a revision not newer.
   */
  saveAsn(supplierId: string, asn: AdvanceShippingNotice, at: Date): Promise<boolean>;
  /** What is on its way for a SKU, soonest first. */
  inbound(sku: string): Promise<Inbound[]>;
}
