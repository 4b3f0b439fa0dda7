import type { Inbound } from "../../shared/domain/inbound.ts";
import { qtyBySku } from "../../shared/domain/model.ts";
import type { AdvanceShippingNotice, StoredAsn } from "../../shared/domain/supply.ts";
import {
  type DeliveryAnswer,
  deliveryAnswerSchema,
  type SupplyStore,
} from "../../shared/ports/supply.ts";
import { check, clone, type FakeDb } from "./db.ts";

/** Supplier notices, inbound per SKU and webhook answers (dynamodb/supply.ts). */
export class FakeSupply implements SupplyStore {
  constructor(private readonly db: FakeDb) {}

  async getDelivery(supplierId: string, webhookId: string): Promise<DeliveryAnswer | null> {
    const answer = this.db.tables.deliveries.get(`${supplierId}#${webhookId}`);
    return answer ? deliveryAnswerSchema.parse(clone(answer)) : null;
  }

  async saveDelivery(supplierId: string, webhookId: string, answer: DeliveryAnswer): Promise<void> {
    // A concurrent delivery of the same webhook saved the same answer first: fine.
    await this.db.write("supply.saveDelivery", (t) => {
      check(!t.deliveries.has(`${supplierId}#${webhookId}`), "the delivery is new");
      t.deliveries.set(`${supplierId}#${webhookId}`, clone(answer));
    });
  }

  async getAsn(supplierId: string, asnId: string): Promise<StoredAsn | null> {
    const asn = this.db.tables.asns.get(`${supplierId}#${asnId}`);
    return asn ? clone(asn) : null;
  }

  async saveAsn(supplierId: string, asn: AdvanceShippingNotice, at: Date): Promise<boolean> {
    const failed = await this.db.write("supply.saveAsn", (t) => {
      const previous = t.asns.get(`${supplierId}#${asn.asnId}`);
      check(!previous || previous.revision < asn.revision, "the revision is newer");
      t.asns.set(`${supplierId}#${asn.asnId}`, {
        ...clone(asn),
        supplierId,
        receivedAt: at.toISOString(),
      });
      // The revision's quantities replace the previous one's; SKUs it no longer names go.
      for (const l of previous?.lines ?? [])
        t.inbound.delete(`${l.sku}#${supplierId}#${asn.asnId}`);
      for (const [sku, qty] of qtyBySku(asn.lines)) {
        t.inbound.set(`${sku}#${supplierId}#${asn.asnId}`, {
          sku,
          supplierId,
          asnId: asn.asnId,
          revision: asn.revision,
          qty,
          estimatedDeliveryAt: asn.estimatedDeliveryAt,
        });
      }
    });
    return failed === null;
  }

  async inbound(sku: string): Promise<Inbound[]> {
    return [...this.db.tables.inbound.values()]
      .filter((i) => i.sku === sku && i.qty > 0)
      .sort((a, b) => a.estimatedDeliveryAt.localeCompare(b.estimatedDeliveryAt))
      .map(({ asnId, supplierId, qty, estimatedDeliveryAt }) => ({
        asnId,
        supplierId,
        qty,
        estimatedDeliveryAt,
      }));
  }
}
