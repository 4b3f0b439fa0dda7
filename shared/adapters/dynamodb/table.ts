import { createHash, randomUUID } from "node:crypto";
import {
  ConditionalCheckFailedException,
  DescribeTableCommand,
  TransactionCanceledException,
} from "@aws-sdk/client-dynamodb";
import {
  BatchGetCommand,
  DeleteCommand,
  GetCommand,
  PutCommand,
  QueryCommand,
  type QueryCommandInput,
  TransactWriteCommand,
  type TransactWriteCommandInput,
  UpdateCommand,
  type UpdateCommandInput,
} from "@aws-sdk/lib-dynamodb";
import type * as z from "zod";
import { config } from "../../config.ts";
import {
  assertTransition,
  type LineStatus,
  type SourceOf,
  sourcesOf,
} from "../../domain/line-states.ts";
import { type Line, lineSchema, type Order, orderSchema } from "../../domain/model.ts";
import { InvalidCursorError, type Page } from "../../ports/paging.ts";
import { dynamo } from "../aws-clients.ts";

/**
 * The single table (its items and indexes: docs/data-model.md): every key, the
 * conditional-write and transaction helpers (a lost race is told from an error here and
 * nowhere else), paging, item parsing, and the one builder of line status writes. The
 * store adapters beside this file use it.
 */
export const keys = {
  sku: (sku: string) => ({ pk: `SKU#${sku}`, sk: "SKU" }),
  /** Every SKU is on the catalog list of gsi3 (its projection holds none of the counters a
   * SKU's updates change, so they never write the index). */
  skuList: (sku: string) => ({ gsi3pk: SKU_LIST, gsi3sk: sku }),
  inbound: (sku: string, supplierId: string, asnId: string) => ({
    pk: `SKU#${sku}`,
    sk: `INBOUND#${supplierId}#${asnId}`,
  }),
  order: (orderId: string) => ({ pk: `ORDER#${orderId}`, sk: "ORDER" }),
  /** An order on the search indexes, newest last: by the storefront's order ref (gsi1) and
   * by its customer's email (gsi2, by a digest of the address in lower case). */
  orderByRef: (orderRef: string, createdAt = "", orderId = "") => ({
    gsi1pk: bounded(
      `ORDERREF#${orderRef}`,
      KEY_LIMITS.partition,
      () => `ORDERREF#~${sha256(orderRef)}`,
    ),
    gsi1sk: `${createdAt}#${orderId}`,
  }),
  orderByEmail: (email: string, createdAt = "", orderId = "") => ({
    gsi2pk: `EMAIL#${digestOf(email.trim().toLowerCase())}`,
    gsi2sk: `${createdAt}#${orderId}`,
  }),
  line: (orderId: string, lineId: string) => ({ pk: `ORDER#${orderId}`, sk: `LINE#${lineId}` }),
  /** A backordered line on its SKU's waiting queue (gsi4), oldest first. The index
   * projects only what the queue is read for (infra/constructs/data.ts), so the many
   * writes a waiting line gets (its task token, wake marks, dates, emails) never write it. */
  waiting: (line: Pick<Line, "sku" | "createdAt" | "lineId">) => ({
    gsi4pk: `WAITING#${line.sku}`,
    gsi4sk: `${line.createdAt}#${line.lineId}`,
  }),
  /** Where a waiting line was queued before the queue had its own index (gsi1). */
  legacyWaiting: (sku: string) => ({ gsi1pk: `WAITING#${sku}` }),
  /** Until its execution finishes, a line is on the sparse live-lines index (gsi3). */
  live: (line: Pick<Line, "lineId">) => ({
    gsi3pk: `LIVE#${shardOf(line.lineId, LIVE_SHARDS)}`,
    gsi3sk: line.lineId,
  }),
  sweep: (name: string) => ({ pk: `SWEEP#${name}`, sk: "SWEEP" }),
  /** An email's event key names its lines, so it grows with them: past the sort key's
   * limit it is hashed (keeping its kind), and every key that fits stays as it is. */
  notification: (orderId: string, key: string) => ({
    pk: `ORDER#${orderId}`,
    sk: bounded(
      `NOTIF#${key}`,
      KEY_LIMITS.sort,
      () => `NOTIF#${key.split("#")[0]}#~${sha256(key)}`,
    ),
  }),
  /** A sent (or failed) email on its order's list (gsi1), in the order it was sent. */
  notificationListed: (orderId: string, key: string, sentAt: string) => ({
    gsi1pk: `NOTIFS#${orderId}`,
    gsi1sk: `${sentAt}#${digestOf(key)}`,
  }),
  idempotency: (scope: string, key: string) => ({ pk: `IDEMP#${scope}#${key}`, sk: "IDEMP" }),
  receipt: (receiptId: string) => ({ pk: `RECEIPT#${receiptId}`, sk: "RECEIPT" }),
  /** A receipt not done yet: a small item beside it, on the unfinished receipts' list (gsi1),
   * so the list's index never copies the receipt's lines. */
  receiptUnfinished: (receiptId: string) => ({ pk: `RECEIPT#${receiptId}`, sk: "UNFINISHED" }),
  unfinishedReceiptListed: (createdAt: string, receiptId: string) => ({
    gsi1pk: "RECEIPTS#UNFINISHED",
    gsi1sk: `${createdAt}#${receiptId}`,
  }),
  shipment: (shipmentId: string) => ({ pk: `SHIP#${shipmentId}`, sk: "SHIP" }),
  shipmentsByStatus: (status: string, createdAt: string, shipmentId: string) => ({
    gsi1pk: `SHIPMENTS#${status}`,
    gsi1sk: `${createdAt}#${shipmentId}`,
  }),
  asn: (supplierId: string, asnId: string) => ({ pk: `ASN#${supplierId}#${asnId}`, sk: "ASN" }),
  rate: (name: string) => ({ pk: `RATE#${name}`, sk: "RATE" }),
  /** The `webhook-id` is the sender's: hashed should it ever pass the key's limit. */
  delivery: (supplierId: string, webhookId: string) => ({
    pk: bounded(
      `WEBHOOK#${supplierId}#${webhookId}`,
      KEY_LIMITS.partition,
      () => `WEBHOOK#${supplierId}#~${sha256(webhookId)}`,
    ),
    sk: "WEBHOOK",
  }),
};

/** DynamoDB's limits on a key attribute, in UTF-8 bytes (partition key, sort key). */
export const KEY_LIMITS = { partition: 2048, sort: 1024 } as const;

const sha256 = (value: string) => createHash("sha256").update(value).digest("base64url");

/** A short, stable digest of a key part (22 URL-safe characters: 132 bits of SHA-256). */
export function digestOf(value: string): string {
  return sha256(value).slice(0, 22);
}

/**
 * Keys are bounded by design: a key built from something that can grow (a list of lines,
 * a sender's id) is kept as it is, readable, while it fits `limit` bytes, and otherwise
 * replaced by `hashed()`, which names what grew by its SHA-256 (`~` and 43 characters, a
 * form no readable key takes). The same input always gives the same key.
 */
export function bounded(readable: string, limit: number, hashed: () => string): string {
  return Buffer.byteLength(readable) <= limit ? readable : hashed();
}

export type Key = { pk: string; sk: string };
export type Item = Record<string, unknown>;
export type TransactItem = NonNullable<TransactWriteCommandInput["TransactItems"]>[number];

/** Shards of the live-lines index: a busy shop's new lines do not all write one key. */
export const LIVE_SHARDS = 4;

/** A stable shard of `key` in 0..shards-1 (sparse indexes spread over a few keys). */
export function shardOf(key: string, shards: number): number {
  let hash = 0;
  for (const char of key) hash = (hash * 31 + (char.codePointAt(0) ?? 0)) >>> 0;
  return hash % shards;
}

/** Parses a stored item by its entity's schema; storage fields (keys, index keys, counters
 * derived for conditions) are not part of the entity and are dropped. */
export function parseItem<T>(schema: z.ZodType<T>, item: unknown): T {
  return schema.parse(item);
}

/** A new line as stored: on the waiting index while backordered, and on the live-lines
 * index until its execution finishes. */
export function lineItem(line: Line): Item {
  return {
    ...keys.line(line.orderId, line.lineId),
    ...(line.status === "backordered" ? keys.waiting(line) : {}),
    ...keys.live(line),
    type: "line",
    ...line,
  };
}

export function orderItem(order: Order): Item {
  return {
    ...keys.order(order.orderId),
    ...keys.orderByRef(order.orderRef, order.createdAt, order.orderId),
    ...keys.orderByEmail(order.customer.email, order.createdAt, order.orderId),
    type: "order",
    ...order,
  };
}

export const readLine = (item: Item): Line => parseItem(lineSchema, item);
export const readOrder = (item: Item): Order => parseItem(orderSchema, item);

/** Puts of new items, each only if absent (a transaction's actions). */
export function putsIfAbsent(tableName: string, items: readonly Item[]): TransactItem[] {
  return items.map((Item) => ({
    Put: { TableName: tableName, Item, ConditionExpression: "attribute_not_exists(pk)" },
  }));
}

/** The parts of an UpdateItem, to be combined: a status write and the fields it sets. */
export interface UpdateParts {
  set?: string[];
  remove?: string[];
  add?: string[];
  delete?: string[];
  /** Conditions, all of which must hold. */
  condition?: string[];
  names?: Record<string, string>;
  values?: Record<string, unknown>;
}

export function mergeParts(...parts: UpdateParts[]): UpdateParts {
  const all = (k: "set" | "remove" | "add" | "delete" | "condition") =>
    parts.flatMap((p) => p[k] ?? []);
  return {
    set: all("set"),
    remove: all("remove"),
    add: all("add"),
    delete: all("delete"),
    condition: all("condition"),
    names: Object.assign({}, ...parts.map((p) => p.names)),
    values: Object.assign({}, ...parts.map((p) => p.values)),
  };
}

/** An UpdateItem (or a transaction's Update) from its parts. */
export function buildUpdate(tableName: string, key: Key, parts: UpdateParts) {
  const clauses = [
    parts.set?.length ? `SET ${parts.set.join(", ")}` : "",
    parts.remove?.length ? `REMOVE ${[...new Set(parts.remove)].join(", ")}` : "",
    parts.add?.length ? `ADD ${parts.add.join(", ")}` : "",
    parts.delete?.length ? `DELETE ${parts.delete.join(", ")}` : "",
  ].filter(Boolean);
  const names = parts.names ?? {};
  const values = parts.values ?? {};
  return {
    TableName: tableName,
    Key: key,
    UpdateExpression: clauses.join(" "),
    ...(parts.condition?.length ? { ConditionExpression: parts.condition.join(" AND ") } : {}),
    ...(Object.keys(names).length ? { ExpressionAttributeNames: names } : {}),
    ...(Object.keys(values).length ? { ExpressionAttributeValues: values } : {}),
  } satisfies UpdateCommandInput;
}

/** The gsi3 partition that lists every SKU of the catalog. */
export const SKU_LIST = "SKUS";

/** Shards of the wake outbox (gsi2), so a receipt waking 10,000 lines spreads its writes. */
export const WAKE_SHARDS = 8;

/** What a wake-up mark keeps on a line (gsi2: `WAKE#<shard>` / `<due>`). */
export const WAKE_FIELDS = ["wakeDue", "wakeAttempts", "gsi2pk", "gsi2sk"];

/**
 * The wake outbox: a write that changes a line someone else's execution waits on also marks
 * that the line needs a wake-up, in the same write. The mark stays until the line parks
 * again (its park removes it), or a wake finds it not parked; meanwhile the deliverer
 * (shared/services/wakes.ts) keeps trying. `due` sorts by time and is unique per write.
 */
export function wakeMark(at: Date): UpdateParts {
  const due = `${at.toISOString()}#${randomUUID().slice(0, 8)}`;
  return {
    set: [
      "wakeDue = :wakeDue",
      "wakeAttempts = :wakeNone",
      "gsi2pk = :wakeShard",
      "gsi2sk = :wakeDue",
    ],
    values: {
      ":wakeDue": due,
      ":wakeNone": 0,
      ":wakeShard": `WAKE#${Math.floor(Math.random() * WAKE_SHARDS)}`,
    },
  };
}

/** A condition that a line is in one of `statuses` (a read of status, not a write). */
export function statusIn(...statuses: LineStatus[]): UpdateParts {
  const values = Object.fromEntries(statuses.map((s, i) => [`:statusIs${i}`, s]));
  return {
    condition: [`#status IN (${Object.keys(values).join(", ")})`],
    names: { "#status": "status" },
    values,
  };
}

/**
 * The one way a line's status is written: to `to`, only from a status the transitions
 * table allows (by default every source of `to`; a narrower `from` must be among them,
 * which the type already demands), with its history entry; the line leaves the waiting
 * index, which holds only backordered lines. A write the table forbids cannot be built.
 */
export function lineTransition<To extends LineStatus>(
  to: To,
  at: Date,
  from: readonly SourceOf<To>[] = sourcesOf(to),
): UpdateParts {
  if (from.length === 0) throw new RangeError(`no status may move to ${to}`);
  for (const f of from) assertTransition(f, to);
  const fromValues = Object.fromEntries(from.map((f, i) => [`:statusFrom${i}`, f]));
  return {
    set: ["#status = :statusTo", "history = list_append(history, :statusEntry)"],
    // Off the waiting queue (and off gsi1, where lines queued before gsi4 existed were).
    remove: ["gsi4pk", "gsi4sk", "gsi1pk", "gsi1sk"],
    condition: [`#status IN (${Object.keys(fromValues).join(", ")})`],
    names: { "#status": "status" },
    values: {
      ":statusTo": to,
      ":statusEntry": [{ status: to, at: at.toISOString() }],
      ...fromValues,
    },
  };
}

/** Independent writes run at most this many at a time (a request's share of a table). */
export const WRITE_CONCURRENCY = 8;

/** Runs `each` over `items`, at most `limit` at a time; waits for all. */
export async function forEachLimited<T>(
  items: readonly T[],
  each: (item: T) => Promise<unknown>,
  limit = WRITE_CONCURRENCY,
): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length) await each(items[next++] as T);
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
}

/** DynamoDB's most actions in one TransactWriteItems. */
export const MAX_TRANSACTION_ITEMS = 100;

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

/**
 * True when a write failed because it lost a race to a concurrent one: its condition no
 * longer held, or a transaction conflicted. Anything else (validation, size, throttling)
 * is an error, never a race.
 */
export function isLostRace(error: unknown): boolean {
  if (
    error instanceof ConditionalCheckFailedException ||
    (error instanceof Error && error.name === "ConditionalCheckFailedException")
  ) {
    return true;
  }
  const codes = cancellationCodes(error);
  const raceCodes = new Set(["None", "ConditionalCheckFailed", "TransactionConflict"]);
  return codes?.every((c) => raceCodes.has(c)) ?? false;
}

/** Runs a write; false when it lost a race, the error otherwise. */
async function unlessRaceLost(write: () => Promise<unknown>): Promise<boolean> {
  try {
    await write();
    return true;
  } catch (error) {
    if (isLostRace(error)) return false;
    throw error;
  }
}

export type { Page } from "../../ports/paging.ts";
export { InvalidCursorError };

export function encodeCursor(key: Record<string, unknown> | undefined): string | null {
  return key ? Buffer.from(JSON.stringify(key)).toString("base64url") : null;
}

/** Longest cursor taken from a caller: above the largest key a list's item can have (four
 * key attributes at their limits), encoded. */
const MAX_CURSOR_LENGTH = 12_288;

/**
 * What a cursor of one list must be: the key of an item of that list, i.e. exactly the key
 * attributes of the table (and of the index queried), strings within DynamoDB's limits, in
 * the partition the list reads. A cursor of another list, or one made up, is refused
 * before it reaches DynamoDB (which would answer a ValidationException: a 500).
 */
export interface CursorShape {
  /** The index the list queries; the table when absent. */
  index?: "gsi1" | "gsi2" | "gsi3" | "gsi4";
  /** The value of the queried partition key. */
  partition: string;
}

function keyNamesOf(shape: CursorShape): string[] {
  return ["pk", "sk", ...(shape.index ? [`${shape.index}pk`, `${shape.index}sk`] : [])];
}

function fitsShape(key: Item, shape: CursorShape): boolean {
  const names = keyNamesOf(shape);
  const given = Object.keys(key);
  if (given.length !== names.length || !names.every((n) => given.includes(n))) return false;
  const partitionName = shape.index ? `${shape.index}pk` : "pk";
  return (
    names.every((name) => {
      const value = key[name];
      const limit = name.endsWith("pk") ? KEY_LIMITS.partition : KEY_LIMITS.sort;
      return typeof value === "string" && value !== "" && Buffer.byteLength(value) <= limit;
    }) && key[partitionName] === shape.partition
  );
}

/** The start key a cursor stands for; with a shape, only a cursor of that list. */
export function decodeCursor(
  cursor: string | undefined | null,
  shape?: CursorShape,
): Item | undefined {
  if (!cursor) return undefined;
  if (cursor.length <= MAX_CURSOR_LENGTH && /^[A-Za-z0-9_-]+$/.test(cursor)) {
    try {
      const key = JSON.parse(Buffer.from(cursor, "base64url").toString("utf8")) as unknown;
      if (key && typeof key === "object" && !Array.isArray(key)) {
        if (!shape || fitsShape(key as Item, shape)) return key as Item;
      }
    } catch {
      // fall through
    }
  }
  throw new InvalidCursorError("the cursor is not one this API gave out for this list");
}

/** The table and the ways this code base reads and writes it. */
export class Table {
  constructor(readonly name: string = config.tableName()) {}

  /** Whether the table exists and is active (the health check). */
  async isActive(): Promise<boolean> {
    try {
      const out = await dynamo().send(new DescribeTableCommand({ TableName: this.name }));
      return out.Table?.TableStatus === "ACTIVE";
    } catch {
      return false;
    }
  }

  /** A strongly consistent read of one item: decisions are made on what it returns. */
  async get(key: Key): Promise<Item | undefined> {
    const out = await dynamo().send(
      new GetCommand({ TableName: this.name, Key: key, ConsistentRead: true }),
    );
    return out.Item;
  }

  /**
   * The items of `keys` that exist, read consistently: BatchGetItem, 100 keys a call, asking
   * again (with backoff) for keys left unprocessed under load. In no particular order.
   */
  async getMany(keys: readonly Key[]): Promise<Item[]> {
    const found: Item[] = [];
    for (let i = 0; i < keys.length; i += 100) {
      let request: Record<string, { Keys: Item[]; ConsistentRead: boolean }> = {
        [this.name]: { Keys: keys.slice(i, i + 100), ConsistentRead: true },
      };
      for (let round = 0; Object.keys(request).length > 0; round++) {
        if (round > 0) await backoff(round);
        const out = await dynamo().send(new BatchGetCommand({ RequestItems: request }));
        found.push(...(out.Responses?.[this.name] ?? []));
        request = (out.UnprocessedKeys ?? {}) as typeof request;
      }
    }
    return found;
  }

  /** Puts an item if `condition` holds (default: none there); false when it did not. */
  putIf(
    item: Item,
    condition = "attribute_not_exists(pk)",
    values?: Item,
    names?: Record<string, string>,
  ): Promise<boolean> {
    return unlessRaceLost(() =>
      dynamo().send(
        new PutCommand({
          TableName: this.name,
          Item: item,
          ConditionExpression: condition,
          ...(values ? { ExpressionAttributeValues: values } : {}),
          ...(names ? { ExpressionAttributeNames: names } : {}),
        }),
      ),
    );
  }

  /** Deletes an item if the conditions of `parts` hold; false when they did not. */
  deleteIf(key: Key, parts: Pick<UpdateParts, "condition" | "names" | "values">): Promise<boolean> {
    const { UpdateExpression: _, ...condition } = buildUpdate(this.name, key, parts);
    return unlessRaceLost(() => dynamo().send(new DeleteCommand(condition)));
  }

  /** An UpdateItem that may lose a race: false when its condition failed. */
  updateIf(key: Key, parts: UpdateParts): Promise<boolean> {
    return unlessRaceLost(() => dynamo().send(new UpdateCommand(this.update(key, parts))));
  }

  /** An UpdateItem returning the item as it is after it; null when its condition failed. */
  async updateReturning(key: Key, parts: UpdateParts): Promise<Item | null> {
    let after: Item | null = null;
    const done = await unlessRaceLost(async () => {
      const out = await dynamo().send(
        new UpdateCommand({ ...this.update(key, parts), ReturnValues: "ALL_NEW" }),
      );
      after = out.Attributes ?? null;
    });
    return done ? after : null;
  }

  update(key: Key, parts: UpdateParts) {
    return buildUpdate(this.name, key, parts);
  }

  /** Runs a transaction; false when it lost a race (a condition failed or it conflicted). */
  transactIf(items: TransactItem[]): Promise<boolean> {
    return unlessRaceLost(() => this.transact(items));
  }

  transact(items: TransactItem[]) {
    return dynamo().send(new TransactWriteCommand({ TransactItems: items }));
  }

  /** Every item of a partition whose sort key starts with `skPrefix` ("" = all). */
  async queryAll(pk: string, skPrefix: string): Promise<Item[]> {
    const items: Item[] = [];
    let cursor: string | null = null;
    do {
      const page: Page<Item> = await this.queryPage(
        {
          KeyConditionExpression: skPrefix ? "pk = :pk AND begins_with(sk, :prefix)" : "pk = :pk",
          ExpressionAttributeValues: skPrefix ? { ":pk": pk, ":prefix": skPrefix } : { ":pk": pk },
          ConsistentRead: true,
        },
        cursor,
      );
      items.push(...page.items);
      cursor = page.next;
    } while (cursor);
    return items;
  }

  /** One page of a query on the table or an index. */
  async queryPage(
    input: Omit<QueryCommandInput, "TableName" | "ExclusiveStartKey">,
    cursor?: string | null,
  ): Promise<Page<Item>> {
    const start = decodeCursor(cursor);
    const out = await dynamo().send(
      new QueryCommand({
        TableName: this.name,
        ...input,
        ...(start ? { ExclusiveStartKey: start } : {}),
      }),
    );
    return { items: out.Items ?? [], next: encodeCursor(out.LastEvaluatedKey) };
  }

  /**
   * One page of a list a caller pages through (contract §2): at most `limit` items in the
   * query's order, from where `cursor` left off (a cursor of this list only, by `shape`),
   * and the cursor after its last item, null when no item is left, so the last page never
   * promises more. One Query per page: DynamoDB stops at 1 MB, and then the page holds
   * fewer than `limit` items and a cursor, which keeps an answer within Lambda's limits.
   */
  async listPage(
    input: Omit<QueryCommandInput, "TableName" | "ExclusiveStartKey" | "Limit">,
    shape: CursorShape,
    { limit, cursor }: { limit: number; cursor?: string | null | undefined },
  ): Promise<Page<Item>> {
    const start = decodeCursor(cursor, shape);
    const out = await dynamo().send(
      new QueryCommand({
        TableName: this.name,
        ...input,
        // One more than asked: whether an item is left is known without another call.
        Limit: limit + 1,
        ...(start ? { ExclusiveStartKey: start } : {}),
      }),
    );
    const items = out.Items ?? [];
    if (items.length > limit) {
      const page = items.slice(0, limit);
      const last = page[page.length - 1] as Item;
      const key = Object.fromEntries(keyNamesOf(shape).map((n) => [n, last[n]]));
      return { items: page, next: encodeCursor(key) };
    }
    return { items, next: encodeCursor(out.LastEvaluatedKey) };
  }

  /** One page of a gsi1 partition, in its sort key's order (shipments by status, an
   * order's emails). */
  gsi1Page(
    partition: string,
    request: { limit: number; cursor?: string | null | undefined },
  ): Promise<Page<Item>> {
    return this.listPage(
      {
        IndexName: "gsi1",
        KeyConditionExpression: "gsi1pk = :pk",
        ExpressionAttributeValues: { ":pk": partition },
        ScanIndexForward: true,
      },
      { index: "gsi1", partition },
      request,
    );
  }
}

/** Before asking again for what a batch left unprocessed: 10–20 ms, doubling, capped at 400 ms. */
function backoff(attempt: number): Promise<void> {
  const base = Math.min(400, 10 * 2 ** (attempt - 1));
  return new Promise((resolve) => setTimeout(resolve, base + Math.random() * base));
}
