import { isCancellable, unitsHeldIn } from "../../domain/line-states.ts";
import type { CancelReason, Line, Order } from "../../domain/model.ts";
import {
  type CreateOrderOutcome,
  type IdempotencyRecord,
  idempotencyRecordSchema,
  type NewOrder,
  type OrderStore,
  type StockTake,
} from "../../ports/orders.ts";
import { releaseUnits, takeStock } from "./stock.ts";
import {
  cancellationCodes,
  type Item,
  isLostRace,
  keys,
  lineItem,
  lineTransition,
  mergeParts,
  orderItem,
  parseItem,
  putsIfAbsent,
  readLine,
  readOrder,
  shardOf,
  Table,
  wakeMark,
} from "./table.ts";

/** While its follow-up is not done, an idempotency record is on a sparse, sharded index,
 * so a busy shop's intake does not write one hot key. */
const PENDING_SHARDS = 4;

const pendingShard = (key: string) => shardOf(key, PENDING_SHARDS);

const pendingKey = (record: Pick<IdempotencyRecord, "scope" | "key" | "createdAt">) => ({
  gsi1pk: `PENDING#${record.scope}#${pendingShard(record.key)}`,
  gsi1sk: `${record.createdAt}#${record.key}`,
});

const readIdempotency = (item: Item): IdempotencyRecord => parseItem(idempotencyRecordSchema, item);

/** Orders, their lines and intake's idempotency records in the single table. */
export class DynamoDbOrders implements OrderStore {
  constructor(private readonly table = new Table()) {}

  async createOrder(input: NewOrder): Promise<CreateOrderOutcome> {
    const { order, lines, stock, idempotency } = input;
    const record: Item = {
      ...keys.idempotency(idempotency.scope, idempotency.key),
      ...pendingKey(idempotency),
      type: "idempotency",
      ...idempotency,
    };
    try {
      await this.table.transact([
        ...putsIfAbsent(this.table.name, [record, orderItem(order), ...lines.map(lineItem)]),
        ...this.stockTakes(stock),
      ]);
      return "created";
    } catch (error) {
      if (!isLostRace(error)) throw error;
      // The record is the first action: its condition failing means the key was taken.
      return cancellationCodes(error)?.[0] === "ConditionalCheckFailed"
        ? "idempotency-key-taken"
        : "stock-changed";
    }
  }

  async addLines(
    lines: readonly Line[],
    stock: readonly StockTake[],
  ): Promise<"created" | "stock-changed"> {
    const done = await this.table.transactIf([
      ...putsIfAbsent(this.table.name, lines.map(lineItem)),
      ...this.stockTakes(stock),
    ]);
    return done ? "created" : "stock-changed";
  }

  private stockTakes(stock: readonly StockTake[]) {
    return stock.map((delta) => ({
      Update: this.table.update(keys.sku(delta.sku), takeStock(delta)),
    }));
  }

  async getOrder(orderId: string): Promise<Order | null> {
    const item = await this.table.get(keys.order(orderId));
    return item ? readOrder(item) : null;
  }

  async revokeLinks(orderId: string, at: Date): Promise<number | null> {
    const after = await this.table.updateReturning(keys.order(orderId), {
      set: ["linksRevokedAt = :at"],
      add: ["linkGeneration :one"],
      condition: ["attribute_exists(pk)"],
      values: { ":at": at.toISOString(), ":one": 1 },
    });
    return after ? Number(after.linkGeneration) : null;
  }

  async getLine(orderId: string, lineId: string): Promise<Line | null> {
    const item = await this.table.get(keys.line(orderId, lineId));
    return item ? readLine(item) : null;
  }

  async listLines(orderId: string): Promise<Line[]> {
    const items = await this.table.queryAll(keys.order(orderId).pk, "LINE#");
    return items.map(readLine).sort((a, b) => a.createdAt.localeCompare(b.createdAt));
  }

  async cancelLine(line: Line, at: Date, reason: CancelReason = "storefront"): Promise<boolean> {
    const held = unitsHeldIn(line.status);
    if (!held || !isCancellable(line.status)) return false;
    return this.table.transactIf([
      {
        Update: this.table.update(
          keys.line(line.orderId, line.lineId),
          mergeParts(lineTransition("cancelled", at, [line.status]), wakeMark(at), {
            set: ["cancelReason = :reason"],
            values: { ":reason": reason },
          }),
        ),
      },
      { Update: this.table.update(keys.sku(line.sku), releaseUnits(held, line.qty)) },
    ]);
  }

  async getIdempotency(scope: string, key: string): Promise<IdempotencyRecord | null> {
    const item = await this.table.get(keys.idempotency(scope, key));
    return item ? readIdempotency(item) : null;
  }

  async markIdempotencyDone(scope: string, key: string): Promise<void> {
    await this.table.updateIf(keys.idempotency(scope, key), {
      set: ["followUpDone = :true"],
      remove: ["gsi1pk", "gsi1sk"],
      condition: ["attribute_exists(pk)"],
      values: { ":true": true },
    });
  }

  async pendingFollowUps(scope: string, before: Date, limit = 100): Promise<IdempotencyRecord[]> {
    const found: IdempotencyRecord[] = [];
    for (let shard = 0; shard < PENDING_SHARDS; shard++) {
      const page = await this.table.queryPage({
        IndexName: "gsi1",
        KeyConditionExpression: "gsi1pk = :pk AND gsi1sk < :before",
        ExpressionAttributeValues: {
          ":pk": `PENDING#${scope}#${shard}`,
          ":before": before.toISOString(),
        },
        Limit: limit,
      });
      found.push(...page.items.map(readIdempotency));
    }
    return found.sort((a, b) => a.createdAt.localeCompare(b.createdAt)).slice(0, limit);
  }
}
