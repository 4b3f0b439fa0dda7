import { type Inbound, inboundSchema } from "../../domain/inbound.ts";
import { qtyBySku } from "../../domain/model.ts";
import {
  type AdvanceShippingNotice,
  type StoredAsn,
  storedAsnSchema,
} from "../../domain/supply.ts";
import { type DeliveryAnswer, deliveryAnswerSchema, type SupplyStore } from "../../ports/supply.ts";
import { keys, parseItem, Table, type TransactItem } from "./table.ts";

/** Standard Webhooks senders retry for days, not weeks. */
const DELIVERY_TTL_SECONDS = 30 * 86_400;

/** Supplier notices (latest revision), their inbound quantities per SKU, and deliveries. */
export class DynamoDbSupply implements SupplyStore {
  constructor(private readonly table = new Table()) {}

  async getDelivery(supplierId: string, webhookId: string): Promise<DeliveryAnswer | null> {
    const item = await this.table.get(keys.delivery(supplierId, webhookId));
    return item ? parseItem(deliveryAnswerSchema, item.response) : null;
  }

  async saveDelivery(supplierId: string, webhookId: string, answer: DeliveryAnswer, at: Date) {
    // A concurrent delivery of the same webhook saved the same answer first: fine.
    await this.table.putIf({
      ...keys.delivery(supplierId, webhookId),
      type: "webhook-delivery",
      response: answer,
      at: at.toISOString(),
      expiresAt: Math.floor(at.getTime() / 1000) + DELIVERY_TTL_SECONDS,
    });
  }

  async getAsn(supplierId: string, asnId: string): Promise<StoredAsn | null> {
    const item = await this.table.get(keys.asn(supplierId, asnId));
    return item ? parseItem(storedAsnSchema, item) : null;
  }

  async saveAsn(supplierId: string, asn: AdvanceShippingNotice, at: Date): Promise<boolean> {
    const previous = await this.getAsn(supplierId, asn.asnId);
    if (previous && previous.revision >= asn.revision) return false;
    const qty = qtyBySku(asn.lines);
    const gone = [...new Set((previous?.lines ?? []).map((l) => l.sku))].filter((s) => !qty.has(s));
    const stored: StoredAsn = { ...asn, supplierId, receivedAt: at.toISOString() };
    const items: TransactItem[] = [
      {
        Put: {
          TableName: this.table.name,
          Item: { ...keys.asn(supplierId, asn.asnId), type: "asn", ...stored },
          ConditionExpression: "attribute_not_exists(pk) OR revision < :revision",
          ExpressionAttributeValues: { ":revision": asn.revision },
        },
      },
      ...[...qty].map(([sku, n]) => ({
        Put: {
          TableName: this.table.name,
          Item: {
            ...keys.inbound(sku, supplierId, asn.asnId),
            type: "inbound",
            sku,
            supplierId,
            asnId: asn.asnId,
            revision: asn.revision,
            qty: n,
            estimatedDeliveryAt: asn.estimatedDeliveryAt,
          },
        },
      })),
      ...gone.map((sku) => ({
        Delete: { TableName: this.table.name, Key: keys.inbound(sku, supplierId, asn.asnId) },
      })),
    ];
    return this.table.transactIf(items);
  }

  async inbound(sku: string): Promise<Inbound[]> {
    const items = await this.table.queryAll(keys.sku(sku).pk, "INBOUND#");
    return items
      .map((i) => parseItem(inboundSchema, i))
      .filter((i) => i.qty > 0)
      .sort((a, b) => a.estimatedDeliveryAt.localeCompare(b.estimatedDeliveryAt));
  }
}
