import { type Inbound, inboundSchema } from "../../domain/inbound.ts";
import { qtyBySku } from "../../domain/model.ts";
import {
  type AdvanceShippingNotice,
  type StoredAsn,
  storedAsnSchema,
} from "../../domain/supply.ts";
import {
  type Delivery,
  deliveryAnswerSchema,
  type SavedAsn,
  type SupplyStore,
} from "../../ports/supply.ts";
import { forEachLimited, keys, parseItem, Table } from "./table.ts";

const skusOf = (asn: Pick<StoredAsn, "lines"> | null) => (asn?.lines ?? []).map((l) => l.sku);

/** Standard Webhooks senders retry for days, not weeks. */
const DELIVERY_TTL_SECONDS = 30 * 86_400;

/**
 * Supplier notices (latest revision), their inbound quantities per SKU, and deliveries. A
 * notice is stored first, with the SKUs it and the revisions before it touched
 * (`settling`), then each SKU's inbound item on its own: a notice of any size fits, and
 * one cut off is finished by a retry. `settling` goes once the SKUs are re-dated.
 */
export class DynamoDbSupply implements SupplyStore {
  constructor(private readonly table = new Table()) {}

  async getDelivery(supplierId: string, webhookId: string): Promise<Delivery | null> {
    const item = await this.table.get(keys.delivery(supplierId, webhookId));
    if (!item) return null;
    return {
      answer: parseItem(deliveryAnswerSchema, item.response),
      requestHash: typeof item.requestHash === "string" ? item.requestHash : null,
    };
  }

  async saveDelivery(supplierId: string, webhookId: string, delivery: Delivery, at: Date) {
    // A concurrent delivery of the same webhook saved the same answer first: fine.
    await this.table.putIf({
      ...keys.delivery(supplierId, webhookId),
      type: "webhook-delivery",
      response: delivery.answer,
      requestHash: delivery.requestHash,
      at: at.toISOString(),
      expiresAt: Math.floor(at.getTime() / 1000) + DELIVERY_TTL_SECONDS,
    });
  }

  async getAsn(supplierId: string, asnId: string): Promise<StoredAsn | null> {
    const item = await this.table.get(keys.asn(supplierId, asnId));
    return item ? parseItem(storedAsnSchema, item) : null;
  }

  async saveAsn(supplierId: string, asn: AdvanceShippingNotice, at: Date): Promise<SavedAsn> {
    const key = keys.asn(supplierId, asn.asnId);
    for (let attempt = 1; ; attempt++) {
      const head = await this.table.get(key);
      const stored = head ? parseItem(storedAsnSchema, head) : null;
      const settling = head && Array.isArray(head.settling) ? (head.settling as string[]) : null;
      if (stored && stored.revision >= asn.revision) {
        // Not newer. The same revision not settled (an attempt cut off, or another delivery
        // of it under way): finish it, as stored.
        if (stored.revision === asn.revision && settling)
          return this.writeInbound(stored, settling);
        return { revision: stored.revision, skus: [] };
      }
      const notice: StoredAsn = { ...asn, supplierId, receivedAt: at.toISOString() };
      // Every SKU an earlier revision may have written (also one still being written).
      const touched = [...new Set([...(settling ?? skusOf(stored)), ...skusOf(notice)])];
      // Only over the head as read: `touched` must hold what the revision replaced touched.
      const written = await this.table.putIf(
        { ...key, type: "asn", ...notice, settling: touched },
        stored ? "revision = :seen" : "attribute_not_exists(pk)",
        stored ? { ":seen": stored.revision } : undefined,
      );
      if (written) return this.writeInbound(notice, touched);
      // A concurrent delivery stored another revision first: look again.
      if (attempt >= 5) throw new Error(`notice ${asn.asnId} kept changing while stored`);
    }
  }

  /**
   * The revision's quantity of each SKU it touched (0 for one it no longer names), one
   * write per SKU, each only over an older revision's: any number of SKUs, writes repeated
   * by a retry change nothing (units a receipt took off since stay off), and a later
   * revision written meanwhile (which touches every SKU this one did) is never undone.
   */
  private async writeInbound(notice: StoredAsn, touched: readonly string[]): Promise<SavedAsn> {
    const { supplierId, asnId, revision, estimatedDeliveryAt } = notice;
    const qty = qtyBySku(notice.lines);
    await forEachLimited(touched, (sku) =>
      this.table.putIf(
        {
          ...keys.inbound(sku, supplierId, asnId),
          type: "inbound",
          sku,
          supplierId,
          asnId,
          revision,
          qty: qty.get(sku) ?? 0,
          estimatedDeliveryAt,
        },
        "attribute_not_exists(pk) OR revision < :revision",
        { ":revision": revision },
      ),
    );
    return { revision, skus: [...touched] };
  }

  async settleAsn(supplierId: string, asnId: string, revision: number): Promise<void> {
    await this.table.updateIf(keys.asn(supplierId, asnId), {
      remove: ["settling"],
      condition: ["revision = :revision", "attribute_exists(settling)"],
      values: { ":revision": revision },
    });
  }

  async inbound(sku: string): Promise<Inbound[]> {
    const items = await this.table.queryAll(keys.sku(sku).pk, "INBOUND#");
    return items
      .map((i) => parseItem(inboundSchema, i))
      .filter((i) => i.qty > 0)
      .sort((a, b) => a.estimatedDeliveryAt.localeCompare(b.estimatedDeliveryAt));
  }
}
