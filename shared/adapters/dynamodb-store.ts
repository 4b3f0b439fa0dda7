import {
  ConditionalCheckFailedException,
  TransactionCanceledException,
} from "@aws-sdk/client-dynamodb";
import {
  BatchGetCommand,
  DeleteCommand,
  GetCommand,
  PutCommand,
  QueryCommand,
  ScanCommand,
  TransactWriteCommand,
  type TransactWriteCommandInput,
  UpdateCommand,
  type UpdateCommandInput,
} from "@aws-sdk/lib-dynamodb";
import { config } from "../config.ts";
import type { LineStatus } from "../domain/line-states.ts";
import { type Line, type Order, qtyBySku, type Sku } from "../domain/model.ts";
import type { Notification } from "../domain/notifications.ts";
import type {
  AllocateOutcome,
  CreateOrderOutcome,
  IdempotencyRecord,
  LineFill,
  NewOrder,
  NotificationClaim,
  ReceiptRecord,
  SkuPolicyInput,
  StockTake,
  Store,
  WaitingPage,
} from "../ports/store.ts";
import type { WaitKind } from "../workflow/waits.ts";
import { dynamo } from "./aws-clients.ts";

/**
 * Single-table layout (see docs/data-model.md):
 *   SKU           pk SKU#<sku>       sk SKU
 *   order         pk ORDER#<orderId> sk ORDER
 *   line          pk ORDER#<orderId> sk LINE#<lineId>
 *                 gsi1pk WAITING#<sku> gsi1sk <createdAt>#<lineId>  (only while backordered)
 *   notification  pk ORDER#<orderId> sk NOTIF#<event key>
 *   idempotency   pk IDEMP#<scope>#<key> sk IDEMP   (expires by TTL)
 *
 * A SKU also stores derived figures that writes condition on (DynamoDB conditions have no
 * arithmetic): `committed` = allocated + backorderedQty, `atp` = onHand − committed (what a
 * new order may take) and `free` = onHand − allocated (what waiting lines may take). Every
 * write that moves a counter moves them in the same update.
 */
export const keys = {
  sku: (sku: string) => ({ pk: `SKU#${sku}`, sk: "SKU" }),
  order: (orderId: string) => ({ pk: `ORDER#${orderId}`, sk: "ORDER" }),
  line: (orderId: string, lineId: string) => ({ pk: `ORDER#${orderId}`, sk: `LINE#${lineId}` }),
  waiting: (line: Pick<Line, "sku" | "createdAt" | "lineId">) => ({
    gsi1pk: `WAITING#${line.sku}`,
    gsi1sk: `${line.createdAt}#${line.lineId}`,
  }),
  notification: (orderId: string, key: string) => ({ pk: `ORDER#${orderId}`, sk: `NOTIF#${key}` }),
  idempotency: (scope: string, key: string) => ({ pk: `IDEMP#${scope}#${key}`, sk: "IDEMP" }),
  receipt: (receiptId: string) => ({ pk: `RECEIPT#${receiptId}`, sk: "RECEIPT" }),
  /** While its follow-up is not done, a record is on a sparse, sharded index. */
  pending: (record: Pick<IdempotencyRecord, "scope" | "key" | "createdAt">) => ({
    gsi1pk: `PENDING#${record.scope}#${pendingShard(record.key)}`,
    gsi1sk: `${record.createdAt}#${record.key}`,
  }),
};

/** Shards of the pending index, so a busy shop's intake does not write one hot key. */
const PENDING_SHARDS = 4;

function pendingShard(key: string): number {
  let hash = 0;
  for (const char of key) hash = (hash * 31 + (char.codePointAt(0) ?? 0)) >>> 0;
  return hash % PENDING_SHARDS;
}

/** How long a claimed-but-unsent email blocks another attempt. */
const CLAIM_LEASE_MS = 2 * 60_000;

const STORAGE_FIELDS = [
  "waitingFor",
  "pk",
  "sk",
  "gsi1pk",
  "gsi1sk",
  "type",
  "waitToken",
  "atp",
  "committed",
  "free",
] as const;

export function strip<T>(item: Record<string, unknown>): T {
  const out: Record<string, unknown> = { ...item };
  for (const f of STORAGE_FIELDS) delete out[f];
  return out as T;
}

/** Why each action of a cancelled transaction failed ("None" where it did not). */
export function cancellationCodes(error: unknown): string[] | null {
  if (
    !(error instanceof TransactionCanceledException) &&
    !(error instanceof Error && error.name === "TransactionCanceledException")
  ) {
    return null;
  }
  const reasons = (error as { CancellationReasons?: { Code?: string }[] }).CancellationReasons;
  return (reasons ?? []).map((r) => r.Code ?? "None");
}

/** Why a transaction action failed when it lost a race to a concurrent write. */
export function isRaceCode(code: string): boolean {
  return code === "ConditionalCheckFailed" || code === "TransactionConflict";
}

export function isConditionFailure(error: unknown): boolean {
  return (
    error instanceof ConditionalCheckFailedException ||
    (error instanceof Error && error.name === "ConditionalCheckFailedException")
  );
}

/**
 * What an order takes from a SKU, conditioned on the plan still holding (see
 * docs/data-model.md): stock taken needs `atp >= a`; a backorder needs no free stock left
 * over, backorders allowed, and the limit planned on not passed.
 */
function stockTakeUpdate(tableName: string, delta: StockTake) {
  const conditions = ["attribute_exists(pk)"];
  const values: Record<string, unknown> = {
    ":a": delta.allocate,
    ":b": delta.backorder,
    ":ab": delta.allocate + delta.backorder,
  };
  const names: Record<string, string> = { "#free": "free" };
  if (delta.backorder === 0) {
    conditions.push("atp >= :a");
  } else {
    // Backordering is right only if no free stock is left once `a` is taken.
    conditions.push("atp <= :a", "backorder.allowed = :true");
    if (delta.allocate > 0) conditions.push("atp >= :a");
    values[":true"] = true;
    names["#limit"] = "limit";
    if (delta.limit === undefined) {
      conditions.push("attribute_not_exists(backorder.#limit)");
    } else {
      conditions.push("backorder.#limit = :limit", "backorderedQty <= :maxBefore");
      values[":limit"] = delta.limit;
      values[":maxBefore"] = delta.limit - delta.backorder;
    }
  }
  return {
    Update: {
      TableName: tableName,
      Key: keys.sku(delta.sku),
      UpdateExpression:
        "SET allocated = allocated + :a, backorderedQty = backorderedQty + :b, " +
        "committed = committed + :ab, atp = atp - :ab, #free = #free - :a",
      ConditionExpression: conditions.join(" AND "),
      ExpressionAttributeValues: values,
      ExpressionAttributeNames: names,
    },
  };
}

/** Puts of a new order and its lines, each only if absent. */
function orderPuts(tableName: string, order: Order, lines: readonly Line[]) {
  return [
    {
      Put: {
        TableName: tableName,
        Item: { ...keys.order(order.orderId), type: "order", ...order },
        ConditionExpression: "attribute_not_exists(pk)",
      },
    },
    ...lines.map((line) => ({
      Put: {
        TableName: tableName,
        Item: lineItem(line),
        ConditionExpression: "attribute_not_exists(pk)",
      },
    })),
  ];
}

/** An UpdateItem that may lose a race: false when its condition failed. */
export async function updateIf(input: UpdateCommandInput): Promise<boolean> {
  try {
    await dynamo().send(new UpdateCommand(input));
    return true;
  } catch (error) {
    if (isConditionFailure(error)) return false;
    throw error;
  }
}

export function lineItem(line: Line): Record<string, unknown> {
  return {
    ...keys.line(line.orderId, line.lineId),
    ...(line.status === "backordered" ? keys.waiting(line) : {}),
    type: "line",
    ...line,
  };
}

export class DynamoDbStore implements Store {
  constructor(private readonly tableName: string = config.tableName()) {}

  async getSku(sku: string): Promise<Sku | null> {
    const out = await dynamo().send(
      new GetCommand({ TableName: this.tableName, Key: keys.sku(sku), ConsistentRead: true }),
    );
    return out.Item ? strip<Sku>(out.Item) : null;
  }

  async getSkus(skus: readonly string[]): Promise<Map<string, Sku>> {
    const found = new Map<string, Sku>();
    const unique = [...new Set(skus)];
    for (let i = 0; i < unique.length; i += 100) {
      let request: Record<string, { Keys: Record<string, unknown>[]; ConsistentRead: boolean }> = {
        [this.tableName]: {
          Keys: unique.slice(i, i + 100).map((sku) => keys.sku(sku)),
          ConsistentRead: true,
        },
      };
      for (let round = 0; Object.keys(request).length > 0; round++) {
        if (round > 0) await backoff(round);
        const out = await dynamo().send(new BatchGetCommand({ RequestItems: request }));
        for (const item of out.Responses?.[this.tableName] ?? []) {
          if (item.free === undefined || item.committed === undefined) await this.backfill(item);
          const sku = strip<Sku>(item);
          found.set(sku.sku, sku);
        }
        request = (out.UnprocessedKeys ?? {}) as typeof request;
      }
    }
    return found;
  }

  /** Gives a SKU written before its derived figures existed the figures. */
  private async backfill(item: Record<string, unknown>): Promise<void> {
    const { onHand, allocated, backorderedQty } = item as unknown as Sku;
    const committed = (allocated ?? 0) + (backorderedQty ?? 0);
    await dynamo()
      .send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: { pk: item.pk, sk: item.sk },
          UpdateExpression:
            "SET committed = :committed, atp = :atp, #free = :free, allocated = :allocated, " +
            "backorderedQty = :backordered",
          ConditionExpression:
            "attribute_not_exists(#free) AND onHand = :onHand AND " +
            "(attribute_not_exists(allocated) OR allocated = :allocated) AND " +
            "(attribute_not_exists(backorderedQty) OR backorderedQty = :backordered)",
          ExpressionAttributeNames: { "#free": "free" },
          ExpressionAttributeValues: {
            ":committed": committed,
            ":atp": onHand - committed,
            ":free": onHand - (allocated ?? 0),
            ":onHand": onHand,
            ":allocated": allocated ?? 0,
            ":backordered": backorderedQty ?? 0,
          },
        }),
      )
      .catch((error: unknown) => {
        // Someone else wrote it meanwhile; they keep the figures in step.
        if (!isConditionFailure(error)) throw error;
      });
  }

  async putSkuPolicy(input: SkuPolicyInput, at: Date): Promise<{ sku: Sku; created: boolean }> {
    // One update, no read: the counters stay as concurrent orders leave them, and `atp`
    // is recomputed from `committed` (allocated + backordered) as it is at this write.
    const out = await dynamo().send(
      new UpdateCommand({
        TableName: this.tableName,
        Key: keys.sku(input.sku),
        UpdateExpression:
          "SET #type = :type, sku = :sku, #name = :name, onHand = :onHand, backorder = :backorder, " +
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
        },
        // The item as it was just before this very update: absent when it is new.
        ReturnValues: "ALL_OLD",
      }),
    );
    const before = out.Attributes as Partial<Sku> | undefined;
    const sku: Sku = {
      sku: input.sku,
      name: input.name,
      onHand: input.onHand,
      allocated: before?.allocated ?? 0,
      backorderedQty: before?.backorderedQty ?? 0,
      backorder: input.backorder,
      substitutes: input.substitutes,
      updatedAt: at.toISOString(),
    };
    const created = before === undefined;
    return { sku, created };
  }

  async getIdempotency(scope: string, key: string): Promise<IdempotencyRecord | null> {
    const out = await dynamo().send(
      new GetCommand({
        TableName: this.tableName,
        Key: keys.idempotency(scope, key),
        ConsistentRead: true,
      }),
    );
    return out.Item ? strip<IdempotencyRecord>(out.Item) : null;
  }

  async markIdempotencyDone(scope: string, key: string): Promise<void> {
    await dynamo().send(
      new UpdateCommand({
        TableName: this.tableName,
        Key: keys.idempotency(scope, key),
        UpdateExpression: "SET followUpDone = :true REMOVE gsi1pk, gsi1sk",
        ConditionExpression: "attribute_exists(pk)",
        ExpressionAttributeValues: { ":true": true },
      }),
    );
  }

  async pendingFollowUps(scope: string, before: Date, limit = 100): Promise<IdempotencyRecord[]> {
    const found: IdempotencyRecord[] = [];
    for (let shard = 0; shard < PENDING_SHARDS; shard++) {
      const out = await dynamo().send(
        new QueryCommand({
          TableName: this.tableName,
          IndexName: "gsi1",
          KeyConditionExpression: "gsi1pk = :pk AND gsi1sk < :before",
          ExpressionAttributeValues: {
            ":pk": `PENDING#${scope}#${shard}`,
            ":before": before.toISOString(),
          },
          Limit: limit,
        }),
      );
      found.push(...(out.Items ?? []).map((i) => strip<IdempotencyRecord>(i)));
    }
    return found.sort((a, b) => a.createdAt.localeCompare(b.createdAt)).slice(0, limit);
  }

  async createOrder(input: NewOrder): Promise<CreateOrderOutcome> {
    const { order, lines, stock, idempotency } = input;
    const skuUpdates = stock.map((delta) => stockTakeUpdate(this.tableName, delta));
    try {
      await dynamo().send(
        new TransactWriteCommand({
          TransactItems: [
            {
              Put: {
                TableName: this.tableName,
                Item: {
                  ...keys.idempotency(idempotency.scope, idempotency.key),
                  ...keys.pending(idempotency),
                  type: "idempotency",
                  ...idempotency,
                },
                ConditionExpression: "attribute_not_exists(pk)",
              },
            },
            ...orderPuts(this.tableName, order, lines),
            ...skuUpdates,
          ],
        }),
      );
      return "created";
    } catch (error) {
      const codes = cancellationCodes(error);
      if (!codes) throw error;
      if (codes[0] === "ConditionalCheckFailed") return "idempotency-key-taken";
      // Anything but a lost race (validation, size, throttling) is an error, not a retry.
      if (!codes.every((code) => code === "None" || isRaceCode(code))) throw error;
      return "stock-changed";
    }
  }

  async addLines(
    lines: readonly Line[],
    stock: readonly StockTake[],
  ): Promise<"created" | "stock-changed"> {
    try {
      await dynamo().send(
        new TransactWriteCommand({
          TransactItems: [
            ...lines.map((line) => ({
              Put: {
                TableName: this.tableName,
                Item: lineItem(line),
                ConditionExpression: "attribute_not_exists(pk)",
              },
            })),
            ...stock.map((delta) => stockTakeUpdate(this.tableName, delta)),
          ],
        }),
      );
      return "created";
    } catch (error) {
      const codes = cancellationCodes(error);
      if (codes?.every((code) => code === "None" || isRaceCode(code))) return "stock-changed";
      throw error;
    }
  }

  async putOrder(order: Order, lines: Line[]): Promise<void> {
    await dynamo().send(
      new TransactWriteCommand({ TransactItems: orderPuts(this.tableName, order, lines) }),
    );
  }

  async getOrder(orderId: string): Promise<Order | null> {
    const out = await dynamo().send(
      new GetCommand({ TableName: this.tableName, Key: keys.order(orderId) }),
    );
    return out.Item ? strip<Order>(out.Item) : null;
  }

  async getLine(orderId: string, lineId: string): Promise<Line | null> {
    const out = await dynamo().send(
      new GetCommand({ TableName: this.tableName, Key: keys.line(orderId, lineId) }),
    );
    return out.Item ? strip<Line>(out.Item) : null;
  }

  async listLines(orderId: string): Promise<Line[]> {
    const items = await this.queryPrefix(`ORDER#${orderId}`, "LINE#");
    return items.map((i) => strip<Line>(i)).sort((a, b) => a.createdAt.localeCompare(b.createdAt));
  }

  async waitingLines(sku: string, limit = 100, after?: string): Promise<WaitingPage> {
    const out = await dynamo().send(
      new QueryCommand({
        TableName: this.tableName,
        IndexName: "gsi1",
        KeyConditionExpression: "gsi1pk = :pk",
        ExpressionAttributeValues: {
          ":pk": keys.waiting({ sku, createdAt: "", lineId: "" }).gsi1pk,
        },
        ScanIndexForward: true,
        Limit: limit,
        ...(after ? { ExclusiveStartKey: JSON.parse(after) as Record<string, unknown> } : {}),
      }),
    );
    return {
      lines: (out.Items ?? []).map((i) => strip<Line>(i)),
      next: out.LastEvaluatedKey ? JSON.stringify(out.LastEvaluatedKey) : null,
    };
  }

  async allocateLines(
    sku: string,
    fills: readonly LineFill[],
    at: Date,
    newLineId: () => string,
    receiptId?: string,
  ): Promise<AllocateOutcome> {
    const total = fills.reduce((n, f) => n + f.qty, 0);
    if (total === 0) return { outcome: "allocated", remainders: [] };
    const when = at.toISOString();
    const remainders: Line[] = [];
    const items: NonNullable<TransactWriteCommandInput["TransactItems"]> = [
      {
        Update: {
          TableName: this.tableName,
          Key: keys.sku(sku),
          UpdateExpression:
            "SET allocated = allocated + :n, backorderedQty = backorderedQty - :n, #free = #free - :n",
          ConditionExpression: "#free >= :n",
          ExpressionAttributeNames: { "#free": "free" },
          ExpressionAttributeValues: { ":n": total },
        },
      },
    ];
    for (const fill of fills) {
      const { line } = fill;
      items.push({
        Update: {
          TableName: this.tableName,
          Key: keys.line(line.orderId, line.lineId),
          UpdateExpression:
            "SET #status = :allocated, qty = :qty, history = list_append(history, :entry) " +
            "REMOVE gsi1pk, gsi1sk",
          ConditionExpression: "#status = :backordered AND qty = :was",
          ExpressionAttributeNames: { "#status": "status" },
          ExpressionAttributeValues: {
            ":allocated": "allocated",
            ":backordered": "backordered",
            ":qty": fill.qty,
            ":was": line.qty,
            ":entry": [{ status: "allocated", at: when }],
          },
        },
      });
      if (fill.remainder > 0) {
        const rest: Line = {
          ...line,
          lineId: newLineId(),
          qty: fill.remainder,
          status: "backordered",
          splitFrom: line.lineId,
        };
        remainders.push(rest);
        items.push({
          Put: {
            TableName: this.tableName,
            Item: lineItem(rest),
            ConditionExpression: "attribute_not_exists(pk)",
          },
        });
      }
    }
    if (receiptId) {
      // One item per batch beside the receipt (a 10,000-line receipt would not fit in one
      // 400 KB item); the first fill's line id orders them and makes a replay collide.
      items.push({
        Put: {
          TableName: this.tableName,
          Item: {
            pk: keys.receipt(receiptId).pk,
            sk: `ALLOC#${when}#${fills[0]?.line.lineId}`,
            type: "receipt-allocations",
            fills: fills.map((f) => ({
              lineId: f.line.lineId,
              orderId: f.line.orderId,
              sku,
              qty: f.qty,
            })),
          },
          ConditionExpression: "attribute_not_exists(pk)",
        },
      });
    }
    try {
      await dynamo().send(new TransactWriteCommand({ TransactItems: items }));
      return { outcome: "allocated", remainders };
    } catch (error) {
      const codes = cancellationCodes(error);
      if (!codes) throw error;
      if (!codes.every((c) => c === "None" || isRaceCode(c))) throw error;
      return { outcome: "changed" };
    }
  }

  async getReceipt(receiptId: string): Promise<ReceiptRecord | null> {
    const items = await this.queryPrefix(keys.receipt(receiptId).pk, "");
    const head = items.find((i) => i.sk === keys.receipt(receiptId).sk);
    if (!head) return null;
    const allocations = items
      .filter((i) => String(i.sk).startsWith("ALLOC#"))
      .sort((a, b) => String(a.sk).localeCompare(String(b.sk)))
      .flatMap((i) => i.fills as ReceiptRecord["allocations"]);
    return { ...strip<ReceiptRecord>(head), allocations };
  }

  async recordReceipt(
    receipt: ReceiptRecord,
    inboundUsed: readonly { key: { pk: string; sk: string }; qty: number }[] = [],
  ): Promise<boolean> {
    const bySku = qtyBySku(receipt.lines);
    try {
      await dynamo().send(
        new TransactWriteCommand({
          TransactItems: [
            {
              Put: {
                TableName: this.tableName,
                Item: {
                  ...keys.receipt(receipt.receiptId),
                  type: "receipt",
                  ...receipt,
                  allocations: [],
                },
                ConditionExpression: "attribute_not_exists(pk)",
              },
            },
            ...[...bySku].map(([sku, qty]) => ({
              Update: {
                TableName: this.tableName,
                Key: keys.sku(sku),
                UpdateExpression: "SET onHand = onHand + :q, atp = atp + :q, #free = #free + :q",
                ConditionExpression: "attribute_exists(#free)",
                ExpressionAttributeNames: { "#free": "free" },
                ExpressionAttributeValues: { ":q": qty },
              },
            })),
            // What arrived is no longer on its way.
            ...inboundUsed.map(({ key, qty }) => ({
              Update: {
                TableName: this.tableName,
                Key: key,
                UpdateExpression: "SET qty = qty - :q",
                ConditionExpression: "attribute_exists(pk)",
                ExpressionAttributeValues: { ":q": qty },
              },
            })),
          ],
        }),
      );
      return true;
    } catch (error) {
      const codes = cancellationCodes(error);
      if (codes?.[0] === "ConditionalCheckFailed") return false;
      throw error;
    }
  }

  async markReceiptDone(receiptId: string): Promise<void> {
    await dynamo().send(
      new UpdateCommand({
        TableName: this.tableName,
        Key: keys.receipt(receiptId),
        UpdateExpression: "SET done = :true",
        ExpressionAttributeValues: { ":true": true },
      }),
    );
  }

  waitingCursor(line: Line): string {
    return JSON.stringify({ ...keys.line(line.orderId, line.lineId), ...keys.waiting(line) });
  }

  async setWaitToken(orderId: string, lineId: string, token: string): Promise<void> {
    await dynamo().send(
      new UpdateCommand({
        TableName: this.tableName,
        Key: keys.line(orderId, lineId),
        UpdateExpression: "SET waitToken = :token",
        ConditionExpression: "attribute_exists(pk)",
        ExpressionAttributeValues: { ":token": token },
      }),
    );
  }

  async parkLine(orderId: string, lineId: string, token: string, wait: WaitKind): Promise<boolean> {
    const condition: Record<WaitKind, { expr: string; values: Record<string, unknown> }> = {
      stock: { expr: "#status = :s", values: { ":s": "backordered" } },
      group: {
        expr: "#status = :s AND (attribute_not_exists(shipmentId) OR shipmentId = :null)",
        values: { ":s": "allocated", ":null": null },
      },
      payment: {
        expr: "#status = :s AND (attribute_not_exists(retryCharge) OR retryCharge = :false)",
        values: { ":s": "awaiting_payment", ":false": false },
      },
      shipped: { expr: "#status = :s", values: { ":s": "shipment_requested" } },
      delivered: { expr: "#status = :s", values: { ":s": "shipped" } },
    };
    const { expr, values } = condition[wait];
    try {
      await dynamo().send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: keys.line(orderId, lineId),
          UpdateExpression: "SET waitToken = :token, waitingFor = :wait",
          ConditionExpression: expr,
          ExpressionAttributeNames: { "#status": "status" },
          ExpressionAttributeValues: { ...values, ":token": token, ":wait": wait },
        }),
      );
      return true;
    } catch (error) {
      if (isConditionFailure(error)) return false;
      throw error;
    }
  }

  async getWaitToken(orderId: string, lineId: string): Promise<string | null> {
    const out = await dynamo().send(
      new GetCommand({
        TableName: this.tableName,
        Key: keys.line(orderId, lineId),
        ProjectionExpression: "waitToken",
        ConsistentRead: true,
      }),
    );
    return (out.Item?.waitToken as string | undefined) ?? null;
  }

  async transitionLine(
    orderId: string,
    lineId: string,
    from: LineStatus,
    to: LineStatus,
    at: Date,
    patch: Partial<Pick<Line, "charge" | "eta" | "promisedBy">> = {},
  ): Promise<boolean> {
    const names: Record<string, string> = { "#status": "status" };
    const values: Record<string, unknown> = {
      ":from": from,
      ":to": to,
      ":entry": [{ status: to, at: at.toISOString() }],
    };
    const sets = ["#status = :to", "history = list_append(history, :entry)"];
    for (const [field, value] of Object.entries(patch)) {
      names[`#${field}`] = field;
      values[`:${field}`] = value;
      sets.push(`#${field} = :${field}`);
    }
    const removes = to === "backordered" ? [] : ["gsi1pk", "gsi1sk"];
    try {
      await dynamo().send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: keys.line(orderId, lineId),
          UpdateExpression: `SET ${sets.join(", ")}${removes.length ? ` REMOVE ${removes.join(", ")}` : ""}`,
          ConditionExpression: "#status = :from",
          ExpressionAttributeNames: names,
          ExpressionAttributeValues: values,
        }),
      );
      return true;
    } catch (error) {
      if (isConditionFailure(error)) return false;
      throw error;
    }
  }

  setLineEta(
    orderId: string,
    lineId: string,
    eta: string | null,
    promisedBy: string | null = null,
  ): Promise<boolean> {
    return updateIf({
      TableName: this.tableName,
      Key: keys.line(orderId, lineId),
      UpdateExpression: promisedBy
        ? "SET eta = :eta, promisedBy = :promise, promiseEscalated = :false"
        : "SET eta = :eta",
      ConditionExpression: "#status = :backordered",
      ExpressionAttributeNames: { "#status": "status" },
      ExpressionAttributeValues: {
        ":eta": eta,
        ":backordered": "backordered",
        ...(promisedBy ? { ":promise": promisedBy, ":false": false } : {}),
      },
    });
  }

  async setNotifiedEta(orderId: string, lineId: string, eta: string | null): Promise<void> {
    await updateIf({
      TableName: this.tableName,
      Key: keys.line(orderId, lineId),
      UpdateExpression: "SET notifiedEta = :eta",
      ConditionExpression: "attribute_exists(pk)",
      ExpressionAttributeValues: { ":eta": eta },
    });
  }

  async recordExecutionRestart(
    line: Line,
    from: string,
    to: string,
    restarts: number,
  ): Promise<boolean> {
    return updateIf({
      TableName: this.tableName,
      Key: keys.line(line.orderId, line.lineId),
      UpdateExpression: "SET executionName = :to, executionRestarts = :n",
      ConditionExpression:
        from === line.lineId
          ? "attribute_not_exists(executionName) OR executionName = :from"
          : "executionName = :from",
      ExpressionAttributeValues: { ":to": to, ":from": from, ":n": restarts },
    });
  }

  recordDelay(
    line: Line,
    from: string,
    patch: {
      promisedBy: string;
      promiseEscalated: boolean;
      delays: number;
      consentBy: string | null;
      toldPromisedBy: string;
    },
  ): Promise<boolean> {
    return updateIf({
      TableName: this.tableName,
      Key: keys.line(line.orderId, line.lineId),
      UpdateExpression:
        "SET promisedBy = :promisedBy, promiseEscalated = :escalated, delays = :delays, " +
        "consentBy = :consentBy, toldPromisedBy = :told, " +
        "firstPromisedBy = if_not_exists(firstPromisedBy, :from)",
      ConditionExpression: "#status = :backordered AND promisedBy = :from",
      ExpressionAttributeNames: { "#status": "status" },
      ExpressionAttributeValues: {
        ":promisedBy": patch.promisedBy,
        ":escalated": patch.promiseEscalated,
        ":delays": patch.delays,
        ":consentBy": patch.consentBy,
        ":told": patch.toldPromisedBy,
        ":from": from,
        ":backordered": "backordered",
      },
    });
  }

  recordConsent(orderId: string, lineId: string): Promise<boolean> {
    return updateIf({
      TableName: this.tableName,
      Key: keys.line(orderId, lineId),
      UpdateExpression: "SET consentedFor = consentBy",
      ConditionExpression: "#status = :backordered AND attribute_exists(consentBy)",
      ExpressionAttributeNames: { "#status": "status" },
      ExpressionAttributeValues: { ":backordered": "backordered" },
    });
  }

  async markPromiseEscalated(orderId: string, lineId: string, at: Date): Promise<void> {
    await dynamo().send(
      new UpdateCommand({
        TableName: this.tableName,
        Key: keys.line(orderId, lineId),
        UpdateExpression: "SET promiseEscalated = :true, promiseEscalatedAt = :at",
        ConditionExpression: "attribute_exists(pk)",
        ExpressionAttributeValues: { ":true": true, ":at": at.toISOString() },
      }),
    );
  }

  async touchLastContact(orderId: string, lineIds: string[], at: Date): Promise<void> {
    for (const lineId of lineIds) {
      await dynamo()
        .send(
          new UpdateCommand({
            TableName: this.tableName,
            Key: keys.line(orderId, lineId),
            UpdateExpression: "SET lastContactAt = :at",
            ConditionExpression: "attribute_exists(pk) AND lastContactAt < :at",
            ExpressionAttributeValues: { ":at": at.toISOString() },
          }),
        )
        .catch((error: unknown) => {
          if (!isConditionFailure(error)) throw error;
        });
    }
  }

  async claimNotification(
    orderId: string,
    key: string,
    draft: Notification,
    at: Date,
  ): Promise<NotificationClaim> {
    try {
      await dynamo().send(
        new PutCommand({
          TableName: this.tableName,
          Item: {
            ...keys.notification(orderId, key),
            type: "notification",
            state: "sending",
            claimedAt: at.toISOString(),
            ...draft,
          },
          // A claim left in "sending" by a crashed attempt may be taken again once stale.
          ConditionExpression:
            "attribute_not_exists(pk) OR (#state = :sending AND claimedAt < :staleBefore)",
          ExpressionAttributeNames: { "#state": "state" },
          ExpressionAttributeValues: {
            ":sending": "sending",
            ":staleBefore": new Date(at.getTime() - CLAIM_LEASE_MS).toISOString(),
          },
        }),
      );
      return "claimed";
    } catch (error) {
      if (!isConditionFailure(error)) throw error;
      const existing = await dynamo().send(
        new GetCommand({
          TableName: this.tableName,
          Key: keys.notification(orderId, key),
          ProjectionExpression: "#state",
          ExpressionAttributeNames: { "#state": "state" },
          ConsistentRead: true,
        }),
      );
      return existing.Item?.state === "sent" ? "already-sent" : "in-flight";
    }
  }

  async releaseNotification(orderId: string, key: string, claimedAt: Date): Promise<void> {
    try {
      await dynamo().send(
        new DeleteCommand({
          TableName: this.tableName,
          Key: keys.notification(orderId, key),
          ConditionExpression: "#state = :sending AND claimedAt = :claimedAt",
          ExpressionAttributeNames: { "#state": "state" },
          ExpressionAttributeValues: {
            ":sending": "sending",
            ":claimedAt": claimedAt.toISOString(),
          },
        }),
      );
    } catch (error) {
      if (!isConditionFailure(error)) throw error;
    }
  }

  async markNotificationSent(
    orderId: string,
    key: string,
    messageId: string,
    at: Date,
  ): Promise<void> {
    await dynamo().send(
      new UpdateCommand({
        TableName: this.tableName,
        Key: keys.notification(orderId, key),
        UpdateExpression: "SET #state = :sent, messageId = :messageId, sentAt = :at",
        ExpressionAttributeNames: { "#state": "state" },
        ExpressionAttributeValues: {
          ":sent": "sent",
          ":messageId": messageId,
          ":at": at.toISOString(),
        },
      }),
    );
  }

  async listNotifications(orderId: string): Promise<Notification[]> {
    const items = await this.queryPrefix(`ORDER#${orderId}`, "NOTIF#");
    return items
      .filter((i) => i.state === "sent")
      .map((i) => ({
        kind: i.kind,
        to: i.to,
        subject: i.subject,
        sentAt: i.sentAt,
        lineIds: i.lineIds,
      }))
      .sort((a, b) => String(a.sentAt).localeCompare(String(b.sentAt))) as Notification[];
  }

  /** Every item of the table; for tests and tools on small local tables only. */
  scanAll(): Promise<Record<string, unknown>[]> {
    return allPages((start) =>
      dynamo().send(
        new ScanCommand({
          TableName: this.tableName,
          ExclusiveStartKey: start,
          ConsistentRead: true,
        }),
      ),
    );
  }

  /** Every item of a partition whose sort key starts with `skPrefix` ("" = all). */
  private queryPrefix(pk: string, skPrefix: string): Promise<Record<string, unknown>[]> {
    return queryAll(this.tableName, pk, skPrefix);
  }
}

type Page = { Items?: Record<string, unknown>[]; LastEvaluatedKey?: Record<string, unknown> };

/** Every item of a partition whose sort key starts with `skPrefix`, consistently read. */
export function queryAll(
  tableName: string,
  pk: string,
  skPrefix: string,
): Promise<Record<string, unknown>[]> {
  return allPages((start) =>
    dynamo().send(
      new QueryCommand({
        TableName: tableName,
        KeyConditionExpression: skPrefix ? "pk = :pk AND begins_with(sk, :prefix)" : "pk = :pk",
        ExpressionAttributeValues: skPrefix ? { ":pk": pk, ":prefix": skPrefix } : { ":pk": pk },
        ExclusiveStartKey: start,
        ConsistentRead: true,
      }),
    ),
  );
}

/** Reads every page of a Query or Scan. */
async function allPages(
  read: (start: Record<string, unknown> | undefined) => Promise<Page>,
): Promise<Record<string, unknown>[]> {
  const items: Record<string, unknown>[] = [];
  let start: Record<string, unknown> | undefined;
  do {
    const out = await read(start);
    items.push(...(out.Items ?? []));
    start = out.LastEvaluatedKey;
  } while (start);
  return items;
}

/** Jittered exponential backoff: 10–20 ms, doubling, capped at 400 ms. */
function backoff(attempt: number): Promise<void> {
  const base = Math.min(400, 10 * 2 ** (attempt - 1));
  return new Promise((resolve) => setTimeout(resolve, base + Math.random() * base));
}
