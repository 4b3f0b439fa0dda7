import type { Inbound } from "../../shared/domain/inbound.ts";
import { qtyBySku } from "../../shared/domain/model.ts";
import type { AdvanceShippingNotice, StoredAsn } from "../../shared/domain/supply.ts";
import {
  type Delivery,
  deliveryAnswerSchema,
  type SavedAsn,
  type SupplyStore,
} from "../../shared/ports/supply.ts";
import { check, clone, type FakeDb } from "./db.ts";

/** Supplier notices, inbound per SKU and webhook answers (dynamodb/supply.ts). */
export class FakeSupply implements SupplyStore {
  /** The SKUs each notice's last revision touched, until it is settled. */
  private readonly settling = new Map<string, string[]>();

  constructor(private readonly db: FakeDb) {}

  async getDelivery(supplierId: string, webhookId: string): Promise<Delivery | null> {
    const delivery = this.db.tables.deliveries.get(`${supplierId}#${webhookId}`);
    return delivery
      ? {
          answer: deliveryAnswerSchema.parse(clone(delivery.answer)),
          requestHash: delivery.requestHash,
        }
      : null;
  }

  async saveDelivery(supplierId: string, webhookId: string, delivery: Delivery): Promise<void> {
    // A concurrent delivery of the same webhook saved the same answer first: fine.
    await this.db.write("supply.saveDelivery", (t) => {
      check(!t.deliveries.has(`${supplierId}#${webhookId}`), "the delivery is new");
      t.deliveries.set(`${supplierId}#${webhookId}`, clone(delivery));
    });
  }

  async getAsn(supplierId: string, asnId: string): Promise<StoredAsn | null> {
    const asn = this.db.tables.asns.get(`${supplierId}#${asnId}`);
    return asn ? clone(asn) : null;
  }

  async saveAsn(supplierId: string, asn: AdvanceShippingNotice, at: Date): Promise<SavedAsn> {
    const key = `${supplierId}#${asn.asnId}`;
    const stored = this.db.tables.asns.get(key);
    const settling = this.settling.get(key);
    if (stored && stored.revision >= asn.revision) {
      // Not newer; the same revision not settled is finished (it was, in this store).
      const finish = stored.revision === asn.revision && settling;
      return { revision: stored.revision, skus: finish ? [...settling] : [] };
    }
    const touched = [
      ...new Set([
        ...(settling ?? (stored?.lines ?? []).map((l) => l.sku)),
        ...asn.lines.map((l) => l.sku),
      ]),
    ];
    const failed = await this.db.write("supply.saveAsn", (t) => {
      const previous = t.asns.get(key);
      check(!previous || previous.revision < asn.revision, "the revision is newer");
      t.asns.set(key, { ...clone(asn), supplierId, receivedAt: at.toISOString() });
      // The revision's quantities replace the previous one's; SKUs it no longer names go.
      const qty = qtyBySku(asn.lines);
      for (const sku of touched) {
        t.inbound.set(`${sku}#${supplierId}#${asn.asnId}`, {
          sku,
          supplierId,
          asnId: asn.asnId,
          revision: asn.revision,
          qty: qty.get(sku) ?? 0,
          estimatedDeliveryAt: asn.estimatedDeliveryAt,
        });
      }
    });
    if (failed) return this.saveAsn(supplierId, asn, at);
    this.settling.set(key, touched);
    return { revision: asn.revision, skus: touched };
  }

  async settleAsn(supplierId: string, asnId: string, revision: number): Promise<void> {
    const key = `${supplierId}#${asnId}`;
    if (this.db.tables.asns.get(key)?.revision === revision) this.settling.delete(key);
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
