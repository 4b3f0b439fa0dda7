import { UpdateCommand } from "@aws-sdk/lib-dynamodb";
import { type Sku, skuSchema } from "../../domain/model.ts";
import type { CatalogStore, SkuPolicyInput } from "../../ports/catalog.ts";
import type { Page, PageRequest } from "../../ports/paging.ts";
import { dynamo } from "../aws-clients.ts";
import { encodeCursor, type Item, keys, parseItem, SKU_LIST, Table } from "./table.ts";

const readSku = (item: Item): Sku => parseItem(skuSchema, item);

/** SKUs in the single table (see ./table.ts and ./stock.ts for their counters). */
export class DynamoDbCatalog implements CatalogStore {
  constructor(private readonly table = new Table()) {}

  async getSku(sku: string): Promise<Sku | null> {
    const item = await this.table.get(keys.sku(sku));
    return item ? readSku(item) : null;
  }

  async getSkus(skus: readonly string[]): Promise<Map<string, Sku>> {
    const found = new Map<string, Sku>();
    const items = await this.table.getMany([...new Set(skus)].map((sku) => keys.sku(sku)));
    for (const item of items) {
      if (item.free === undefined || item.committed === undefined) await this.backfill(item);
      const sku = readSku(item);
      found.set(sku.sku, sku);
    }
    return found;
  }

  /** Gives a SKU written before its derived figures existed the figures. */
  private async backfill(item: Item): Promise<void> {
    const onHand = Number(item.onHand ?? 0);
    const allocated = Number(item.allocated ?? 0);
    const backordered = Number(item.backorderedQty ?? 0);
    const committed = allocated + backordered;
    // Someone else may write it meanwhile; they keep the figures in step.
    await this.table.updateIf(keys.sku(String(item.sku)), {
      set: [
        "committed = :committed",
        "atp = :atp",
        "#free = :free",
        "allocated = :allocated",
        "backorderedQty = :backordered",
      ],
      condition: [
        "attribute_not_exists(#free)",
        "onHand = :onHand",
        "(attribute_not_exists(allocated) OR allocated = :allocated)",
        "(attribute_not_exists(backorderedQty) OR backorderedQty = :backordered)",
      ],
      names: { "#free": "free" },
      values: {
        ":committed": committed,
        ":atp": onHand - committed,
        ":free": onHand - allocated,
        ":onHand": onHand,
        ":allocated": allocated,
        ":backordered": backordered,
      },
    });
  }

  async putSkuPolicy(input: SkuPolicyInput, at: Date): Promise<{ sku: Sku; created: boolean }> {
    // One update, no read: the counters stay as concurrent orders leave them, and `atp`
    // is recomputed from `committed` (allocated + backordered) as it is at this write.
    const out = await dynamo().send(
      new UpdateCommand({
        TableName: this.table.name,
        Key: keys.sku(input.sku),
        UpdateExpression:
          "SET #type = :type, sku = :sku, #name = :name, onHand = :onHand, backorder = :backorder, " +
          "gsi3pk = :list, gsi3sk = :sku, " +
          "substitutes = :substitutes, updatedAt = :at, " +
          "allocated = if_not_exists(allocated, :zero), " +
          "backorderedQty = if_not_exists(backorderedQty, :zero), " +
          "committed = if_not_exists(committed, :zero), " +
          "atp = :onHand - if_not_exists(committed, :zero), " +
          "#free = :onHand - if_not_exists(allocated, :zero)",
        ExpressionAttributeNames: { "#type": "type", "#name": "name", "#free": "free" },
        ExpressionAttributeValues: {
          ":type": "sku",
          ":sku": input.sku,
          ":name": input.name,
          ":onHand": input.onHand,
          ":backorder": input.backorder,
          ":substitutes": input.substitutes,
          ":at": at.toISOString(),
          ":zero": 0,
          ":list": keys.skuList(input.sku).gsi3pk,
        },
        // The item as it was just before this very update: absent when it is new.
        ReturnValues: "ALL_OLD",
      }),
    );
    const before = out.Attributes;
    const sku: Sku = {
      sku: input.sku,
      name: input.name,
      onHand: input.onHand,
      allocated: Number(before?.allocated ?? 0),
      backorderedQty: Number(before?.backorderedQty ?? 0),
      backorder: input.backorder,
      substitutes: input.substitutes,
      updatedAt: at.toISOString(),
    };
    return { sku, created: before === undefined };
  }

  async skuCodes(request: PageRequest): Promise<Page<string>> {
    const page = await this.table.listPage(
      {
        IndexName: "gsi3",
        KeyConditionExpression: "gsi3pk = :pk",
        ExpressionAttributeValues: { ":pk": SKU_LIST },
        ScanIndexForward: true,
      },
      { index: "gsi3", partition: SKU_LIST },
      request,
    );
    return { items: page.items.map((item) => String(item.gsi3sk)), next: page.next };
  }

  skuCodeCursor(sku: string): string {
    // The key of the SKU's entry on the list, as a cursor of the list (`listPage`).
    return encodeCursor({ ...keys.sku(sku), ...keys.skuList(sku) }) as string;
  }
}
