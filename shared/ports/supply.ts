import * as z from "zod";
import type { Inbound } from "../domain/inbound.ts";
import type { AdvanceShippingNotice, StoredAsn } from "../domain/supply.ts";

/** The answer given to a notice's delivery (replayed to a redelivery). */
export const deliveryAnswerSchema = z.object({ asnId: z.string(), status: z.string() });
export type DeliveryAnswer = z.infer<typeof deliveryAnswerSchema>;

/** A delivery taken: its answer, and the hash of the notice it carried (none on deliveries
 * recorded before the hash was kept). */
export interface Delivery {
  answer: DeliveryAnswer;
  requestHash: string | null;
}

/** A notice stored (or found stored and not settled): the SKUs whose inbound it changed. */
export interface SavedAsn {
  revision: number;
  skus: string[];
}

/** Supplier notices, what they bring per SKU, and the answers to webhook deliveries. */
export interface SupplyStore {
  /** An earlier delivery of this webhook, if any. */
  getDelivery(supplierId: string, webhookId: string): Promise<Delivery | null>;
  saveDelivery(supplierId: string, webhookId: string, delivery: Delivery, at: Date): Promise<void>;
  getAsn(supplierId: string, asnId: string): Promise<StoredAsn | null>;
  /**
   * Stores a notice if it is new or a higher revision, and its inbound quantities in place
   * of the revision before's (a SKU it no longer names has none left); or finishes a
   * revision stored by an attempt that did not settle it. Says the SKUs whose inbound it
   * changed, to be re-dated before `settleAsn`: none when the notice is not newer and
   * settled. Any number of SKUs; a later revision wins over one still being written.
   */
  saveAsn(supplierId: string, asn: AdvanceShippingNotice, at: Date): Promise<SavedAsn>;
  /** The SKUs a stored revision changed are re-dated: a retry has nothing left to do. */
  settleAsn(supplierId: string, asnId: string, revision: number): Promise<void>;
  /** What is on its way for a SKU, soonest first. */
  inbound(sku: string): Promise<Inbound[]>;
}
