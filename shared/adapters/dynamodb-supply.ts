import { GetCommand, PutCommand, TransactWriteCommand } from "@aws-sdk/lib-dynamodb";
import { config } from "../config.ts";
import type { Inbound } from "../domain/inbound.ts";
import { qtyBySku } from "../domain/model.ts";
import type { AsnBody } from "../http/schemas.ts";
import { dynamo } from "./aws-clients.ts";
import { cancellationCodes, isConditionFailure, keys, queryAll, strip } from "./dynamodb-store.ts";

/**
 * Supplier notices in the single table (docs/data-model.md):
 *   ASN            pk ASN#<supplierId>#<asnId>   sk ASN        (the latest revision)
 *   inbound        pk SKU#<sku>                  sk INBOUND#<supplierId>#<asnId>
 *   delivery       pk WEBHOOK#<supplierId>#<id>  sk WEBHOOK    (the answer, for redeliveries)
 */
const asnKey = (supplierId: string, asnId: string) => ({
  pk: `ASN#${supplierId}#${asnId}`,
  sk: "ASN",
});
const inboundKey = (sku: string, supplierId: string, asnId: string) => ({
  pk: keys.sku(sku).pk,
  sk: `INBOUND#${supplierId}#${asnId}`,
});
const deliveryKey = (supplierId: string, webhookId: string) => ({
  pk: `WEBHOOK#${supplierId}#${webhookId}`,
  sk: "WEBHOOK",
});

export interface StoredAsn extends AsnBody {
  supplierId: string;
  receivedAt: string;
}

export class DynamoDbSupply {
  constructor(private readonly tableName: string = config.tableName()) {}

  async getDelivery(supplierId: string, webhookId: string): Promise<unknown | null> {
    const out = await dynamo().send(
      new GetCommand({
        TableName: this.tableName,
        Key: deliveryKey(supplierId, webhookId),
        ConsistentRead: true,
      }),
    );
    return out.Item ? out.Item.response : null;
  }

  async saveDelivery(supplierId: string, webhookId: string, response: unknown, at: Date) {
    await dynamo()
      .send(
        new PutCommand({
          TableName: this.tableName,
          Item: {
            ...deliveryKey(supplierId, webhookId),
            type: "webhook-delivery",
            response,
            at: at.toISOString(),
            // Standard Webhooks senders retry for days, not weeks.
            expiresAt: Math.floor(at.getTime() / 1000) + 30 * 86_400,
          },
          ConditionExpression: "attribute_not_exists(pk)",
        }),
      )
      .catch((error: unknown) => {
        if (!isConditionFailure(error)) throw error;
      });
  }

  async getAsn(supplierId: string, asnId: string): Promise<StoredAsn | null> {
    const out = await dynamo().send(
      new GetCommand({
        TableName: this.tableName,
        Key: asnKey(supplierId, asnId),
        ConsistentRead: true,
      }),
    );
    return out.Item ? strip<StoredAsn>(out.Item) : null;
  }

  /**
   * Stores a notice if it is new or a higher revision, replacing the inbound quantities of
   * the revision before in the same transaction. False for a revision not newer.
   */
  async saveAsn(supplierId: string, asn: AsnBody, at: Date): Promise<boolean> {
    const previous = await this.getAsn(supplierId, asn.asnId);
    if (previous && previous.revision >= asn.revision) return false;
    const qty = qtyBySku(asn.lines);
    const gone = (previous?.lines ?? []).map((l) => l.sku).filter((sku) => !qty.has(sku));
    const stored: StoredAsn = { ...asn, supplierId, receivedAt: at.toISOString() };
    try {
      await dynamo().send(
        new TransactWriteCommand({
          TransactItems: [
            {
              Put: {
                TableName: this.tableName,
                Item: { ...asnKey(supplierId, asn.asnId), type: "asn", ...stored },
                ConditionExpression: "attribute_not_exists(pk) OR revision < :revision",
                ExpressionAttributeValues: { ":revision": asn.revision },
              },
            },
            ...[...qty].map(([sku, n]) => ({
              Put: {
                TableName: this.tableName,
                Item: {
                  ...inboundKey(sku, supplierId, asn.asnId),
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
            ...[...new Set(gone)].map((sku) => ({
              Delete: { TableName: this.tableName, Key: inboundKey(sku, supplierId, asn.asnId) },
            })),
          ],
        }),
      );
      return true;
    } catch (error) {
      if (cancellationCodes(error)?.[0] === "ConditionalCheckFailed") return false;
      throw error;
    }
  }

  /** The key of a notice's inbound item for a SKU (a receipt against the notice uses it). */
  inboundKeyOf(sku: string, notice: Pick<Inbound, "supplierId" | "asnId">) {
    return inboundKey(sku, notice.supplierId, notice.asnId);
  }

  /** What is on its way for a SKU, soonest first. */
  async inbound(sku: string): Promise<Inbound[]> {
    const items = await queryAll(this.tableName, keys.sku(sku).pk, "INBOUND#");
    return items
      .map((i) => ({
        asnId: String(i.asnId),
        supplierId: String(i.supplierId),
        qty: Number(i.qty),
        estimatedDeliveryAt: String(i.estimatedDeliveryAt),
      }))
      .filter((i) => i.qty > 0)
      .sort((a, b) => a.estimatedDeliveryAt.localeCompare(b.estimatedDeliveryAt));
  }
}
