import { beforeAll, describe, expect, it } from "vitest";
import { DynamoDbCharges } from "../../shared/adapters/dynamodb/charges.ts";
import { DynamoDbLineWaits } from "../../shared/adapters/dynamodb/line-waits.ts";
import { DynamoDbLiveLines } from "../../shared/adapters/dynamodb/live-lines.ts";
import { DynamoDbOutcomes } from "../../shared/adapters/dynamodb/outcomes.ts";
import { WAITING_QUEUE_FIELDS } from "../../shared/adapters/dynamodb/queue-index.ts";
import { DynamoDbRateLimiter } from "../../shared/adapters/dynamodb/rates.ts";
import {
  type Item,
  keys,
  lineItem,
  lineTransition,
  mergeParts,
  wakeMark,
} from "../../shared/adapters/dynamodb/table.ts";
import {
  canTransition,
  LINE_STATUSES,
  LINE_TRANSITIONS,
  type LineStatus,
  sourcesOf,
} from "../../shared/domain/line-states.ts";
import type { Line, Order } from "../../shared/domain/model.ts";
import { EMAIL_CLAIM_LEASE_MS } from "../../shared/domain/notifications.ts";
import {
  type LineOutcome,
  promiseFigures,
  promiseFiguresOf,
} from "../../shared/domain/outcomes.ts";
import type { IdempotencyRecord, NewOrder } from "../../shared/ports/orders.ts";
import { useDynamoDbLocal } from "../support/dynamodb-local.ts";
import type { TestTable } from "../support/table.ts";

/** The DynamoDB store adapters against DynamoDB Local, on the table the CDK app defines. */
const TABLE = "store-test-table";
const AT = new Date("2026-11-24T10:00:00.000Z");

let store: TestTable;

const local = useDynamoDbLocal(TABLE);
beforeAll(() => {
  store = local.store();
});

let counter = 0;
const unique = (prefix: string) => `${prefix}-${++counter}`;

async function rawSku(sku: string) {
  const items = await store.scanAll();
  return items.find((i) => i.pk === keys.sku(sku).pk);
}

function newOrder(
  sku: string,
  take: { allocate: number; backorder: number; limit?: number },
  key = unique("key"),
): NewOrder {
  const orderId = unique("ord");
  const order: Order = {
    orderId,
    orderRef: "SHOP-1",
    status: "open",
    customer: { email: "ada@example.com", name: "Ada" },
    shippingAddress: { line1: "1 Main St", city: "X", postalCode: "1", country: "US" },
    splitPolicy: "ship_as_available",
    payment: { provider: "sandbox", customerRef: "c", paymentMethodRef: "pm_card_visa" },
    currency: "USD",
    createdAt: AT.toISOString(),
  };
  const line = (status: LineStatus, qty: number): Line => ({
    orderId,
    lineId: unique("ln"),
    lineRef: "1",
    sku,
    qty,
    unitPrice: 100,
    currency: "USD",
    status,
    eta: null,
    promisedBy: "2026-12-01",
    createdAt: AT.toISOString(),
    history: [{ status, at: AT.toISOString() }],
    lastContactAt: AT.toISOString(),
    promiseEscalated: false,
  });
  const lines = [
    ...(take.allocate ? [line("allocated", take.allocate)] : []),
    ...(take.backorder ? [line("backordered", take.backorder)] : []),
  ];
  const record: IdempotencyRecord = {
    scope: "orders",
    key,
    requestHash: "h",
    orderId,
    created: { order, lines },
    createdAt: AT.toISOString(),
    expiresAt: 2_000_000_000,
  };
  return {
    order,
    lines,
    stock: [{ sku, allocate: take.allocate, backorder: take.backorder, limit: take.limit }],
    idempotency: record,
  };
}

describe("SKU policy", () => {
  it("lists the catalog's codes in pages, and goes on right after a given code", async () => {
    const prefix = unique("LIST");
    const codes = ["A", "B", "C"].map((c) => `${prefix}-${c}`);
    for (const sku of codes) {
      await store.putSkuPolicy(
        { sku, name: sku, onHand: 0, backorder: { allowed: true }, substitutes: [] },
        AT,
      );
    }
    const all: string[] = [];
    let cursor: string | null = null;
    do {
      const page: { items: string[]; next: string | null } = await store.catalog.skuCodes({
        limit: 50,
        cursor,
      });
      all.push(...page.items);
      cursor = page.next;
    } while (cursor);
    expect(all.filter((c) => c.startsWith(prefix))).toEqual(codes);
    const after = await store.catalog.skuCodes({
      limit: 2,
      cursor: store.catalog.skuCodeCursor(codes[0] as string),
    });
    expect(after.items).toEqual(codes.slice(1));
  });

  it("creates a SKU with zero counters and says so; updates keep the counters", async () => {
    const sku = unique("SKU");
    const policy = { sku, name: "W", onHand: 5, backorder: { allowed: true }, substitutes: [] };
    const created = await store.putSkuPolicy(policy, AT);
    expect(created.created).toBe(true);
    expect(created.sku).toMatchObject({ onHand: 5, allocated: 0, backorderedQty: 0 });
    expect(await rawSku(sku)).toMatchObject({ atp: 5 });

    expect(await store.createOrder(newOrder(sku, { allocate: 2, backorder: 0 }))).toBe("created");
    const updated = await store.putSkuPolicy({ ...policy, onHand: 8 }, AT);
    expect(updated).toMatchObject({
      created: false,
      sku: { onHand: 8, allocated: 2, backorderedQty: 0 },
    });
    // atp = onHand − allocated − backorderedQty, kept in step for intake's conditions.
    expect(await rawSku(sku)).toMatchObject({ atp: 6 });
    expect(await store.getSku(sku)).not.toHaveProperty("atp");
  });
});

describe("createOrder", () => {
  it("writes the order, its lines, the counters and the idempotency record together", async () => {
    const sku = unique("SKU");
    await store.putSkuPolicy(
      { sku, name: "W", onHand: 1, backorder: { allowed: true }, substitutes: [] },
      AT,
    );
    const input = newOrder(sku, { allocate: 1, backorder: 2 });
    expect(await store.createOrder(input)).toBe("created");
    expect(await store.getOrder(input.order.orderId)).toMatchObject({ orderRef: "SHOP-1" });
    expect(await store.listLines(input.order.orderId)).toHaveLength(2);
    expect(await store.getSku(sku)).toMatchObject({ allocated: 1, backorderedQty: 2 });
    expect(await rawSku(sku)).toMatchObject({ atp: -2 });
    expect(await store.getIdempotency("orders", input.idempotency.key)).toMatchObject({
      orderId: input.order.orderId,
    });
    // Its follow-up is pending until marked done.
    const later = new Date(AT.getTime() + 60_000);
    const pending = await store.pendingFollowUps("orders", later);
    expect(pending.map((r) => r.key)).toContain(input.idempotency.key);
    expect(
      (await store.pendingFollowUps("orders", AT)).map((r) => r.key),
      "only records written before the cut-off",
    ).not.toContain(input.idempotency.key);
    await store.markIdempotencyDone("orders", input.idempotency.key);
    expect((await store.pendingFollowUps("orders", later)).map((r) => r.key)).not.toContain(
      input.idempotency.key,
    );
  });

  it("refuses, writing nothing, when the stock it planned on was taken meanwhile", async () => {
    const sku = unique("SKU");
    await store.putSkuPolicy(
      { sku, name: "W", onHand: 1, backorder: { allowed: false }, substitutes: [] },
      AT,
    );
    // Two orders planned on the same read: one unit free.
    const first = newOrder(sku, { allocate: 1, backorder: 0 });
    const second = newOrder(sku, { allocate: 1, backorder: 0 });
    expect(await store.createOrder(first)).toBe("created");
    expect(await store.createOrder(second)).toBe("stock-changed");
    expect(await store.getOrder(second.order.orderId)).toBeNull();
    expect(await store.listLines(second.order.orderId)).toEqual([]);
    expect(await store.getIdempotency("orders", second.idempotency.key)).toBeNull();
    expect(await store.getSku(sku)).toMatchObject({ allocated: 1 });
  });

  it("refuses a backorder planned while stock was free (it should have been allocated)", async () => {
    const sku = unique("SKU");
    await store.putSkuPolicy(
      { sku, name: "W", onHand: 2, backorder: { allowed: true }, substitutes: [] },
      AT,
    );
    expect(await store.createOrder(newOrder(sku, { allocate: 0, backorder: 1 }))).toBe(
      "stock-changed",
    );
    expect(await store.createOrder(newOrder(sku, { allocate: 2, backorder: 1 }))).toBe("created");
  });

  it("refuses a backorder past the limit, or planned on a limit since changed", async () => {
    const sku = unique("SKU");
    const policy = {
      sku,
      name: "W",
      onHand: 0,
      backorder: { allowed: true, limit: 3 },
      substitutes: [],
    };
    await store.putSkuPolicy(policy, AT);
    expect(await store.createOrder(newOrder(sku, { allocate: 0, backorder: 2, limit: 3 }))).toBe(
      "created",
    );
    expect(await store.createOrder(newOrder(sku, { allocate: 0, backorder: 2, limit: 3 }))).toBe(
      "stock-changed",
    );
    await store.putSkuPolicy({ ...policy, backorder: { allowed: true, limit: 10 } }, AT);
    expect(await store.createOrder(newOrder(sku, { allocate: 0, backorder: 2, limit: 3 }))).toBe(
      "stock-changed",
    );
    expect(await store.createOrder(newOrder(sku, { allocate: 0, backorder: 2, limit: 10 }))).toBe(
      "created",
    );
    expect(await store.getSku(sku)).toMatchObject({ backorderedQty: 4 });
  });

  it("tells a lost idempotency race from a stock change", async () => {
    const sku = unique("SKU");
    await store.putSkuPolicy(
      { sku, name: "W", onHand: 5, backorder: { allowed: true }, substitutes: [] },
      AT,
    );
    const key = unique("key");
    expect(await store.createOrder(newOrder(sku, { allocate: 1, backorder: 0 }, key))).toBe(
      "created",
    );
    expect(await store.createOrder(newOrder(sku, { allocate: 1, backorder: 0 }, key))).toBe(
      "idempotency-key-taken",
    );
    expect(await store.getSku(sku)).toMatchObject({ allocated: 1 });
  });

  it("puts backordered lines, and only those, on the SKU's waiting queue, oldest first", async () => {
    const sku = unique("SKU");
    await store.putSkuPolicy(
      { sku, name: "W", onHand: 1, backorder: { allowed: true }, substitutes: [] },
      AT,
    );
    const first = newOrder(sku, { allocate: 1, backorder: 1 });
    const second = newOrder(sku, { allocate: 0, backorder: 3 });
    for (const l of second.lines) l.createdAt = new Date(AT.getTime() + 1000).toISOString();
    expect(await store.createOrder(second)).toBe("stock-changed"); // stock still free
    expect(await store.createOrder(first)).toBe("created");
    expect(await store.createOrder(second)).toBe("created");
    const queue = await store.waitingLines(sku);
    expect(queue.lines.map((l) => [l.orderId, l.qty, l.status])).toEqual([
      [first.order.orderId, 1, "backordered"],
      [second.order.orderId, 3, "backordered"],
    ]);
    expect(queue.next).toBeNull();
    // Paged: one line a page, same order.
    const page1 = await store.waitingLines(sku, 1);
    expect(page1.lines.map((l) => l.qty)).toEqual([1]);
    const page2 = await store.waitingLines(sku, 1, page1.next ?? undefined);
    expect(page2.lines.map((l) => l.qty)).toEqual([3]);
    // Leaving backordered takes a line off the queue.
    const [waiting] = first.lines.filter((l) => l.status === "backordered");
    if (!waiting) throw new Error("no waiting line");
    expect(
      await store.transitionLine(waiting.orderId, waiting.lineId, "backordered", "allocated", AT),
    ).toBe(true);
    expect((await store.waitingLines(sku)).lines.map((l) => l.qty)).toEqual([3]);
  });
});

describe("the waiting queue (gsi4)", () => {
  /** A line item as stored, written as it is given (index keys included). */
  async function putRaw(item: Item) {
    await store.table.transact([{ Put: { TableName: TABLE, Item: item } }]);
  }

  it("projects only what the queue is read for; a waiting line's other writes leave it alone", async () => {
    const sku = unique("SKU");
    const input = newOrder(sku, { allocate: 0, backorder: 2 });
    await store.putSkuPolicy(
      { sku, name: "W", onHand: 0, backorder: { allowed: true }, substitutes: [] },
      AT,
    );
    expect(await store.createOrder(input)).toBe("created");
    const [line] = input.lines as [Line];
    expect(
      await new DynamoDbLineWaits(store.table).parkLine(line.orderId, line.lineId, "tok", "stock"),
    ).toBe(true);

    const entries = await store.table.queryPage({
      IndexName: "gsi4",
      KeyConditionExpression: "gsi4pk = :pk",
      ExpressionAttributeValues: { ":pk": `WAITING#${sku}` },
    });
    expect(entries.items).toHaveLength(1);
    expect(Object.keys(entries.items[0] ?? {}).sort()).toEqual(
      ["pk", "sk", "gsi4pk", "gsi4sk", ...WAITING_QUEUE_FIELDS].sort(),
    );
    // The queue hands out the line whole, read from the table, with the token it parked on.
    const queue = await store.waitingLines(sku);
    expect(queue.lines).toHaveLength(1);
    expect(queue.lines[0]).toMatchObject({ lineId: line.lineId, qty: 2, history: line.history });
    expect(queue.tokens?.get(line.lineId)).toBe("tok");
  });

  it("skips entries of lines that moved on (the index a moment behind) and reads on", async () => {
    const sku = unique("SKU");
    const stale = newOrder(sku, { allocate: 0, backorder: 1 });
    const waiting = newOrder(sku, { allocate: 0, backorder: 4 });
    const [moved] = stale.lines as [Line];
    const [live] = waiting.lines as [Line];
    live.createdAt = new Date(AT.getTime() + 1000).toISOString();
    // As an index that has not caught up would show it: allocated, still on the queue.
    await putRaw({ ...lineItem({ ...moved, status: "backordered" }), status: "allocated" });
    await putRaw(lineItem(live));
    const first = await store.waitingLines(sku, 1);
    expect(first.lines.map((l) => l.lineId)).toEqual([live.lineId]);
  });

  it("moves lines queued on gsi1 before the queue had its own index onto it, once", async () => {
    const sku = unique("SKU");
    const input = newOrder(sku, { allocate: 0, backorder: 3 });
    const [line] = input.lines as [Line];
    const { gsi4pk: _pk, gsi4sk: _sk, ...item } = lineItem(line);
    await putRaw({ ...item, gsi1pk: `WAITING#${sku}`, gsi1sk: `${line.createdAt}#${line.lineId}` });

    const ages = await store.allocation.waitingAges(sku);
    expect(ages.lines).toEqual([{ qty: 3, createdAt: line.createdAt }]);
    const moved = await store.table.get(keys.line(line.orderId, line.lineId));
    expect(moved).toMatchObject({ gsi4pk: `WAITING#${sku}` });
    expect(moved).not.toHaveProperty("gsi1pk");
    expect((await store.waitingLines(sku)).lines.map((l) => l.lineId)).toEqual([line.lineId]);
  });
});

describe("live lines (gsi3)", () => {
  it("holds every new line until its execution finishes, in shards, paged, with its execution", async () => {
    const live = new DynamoDbLiveLines(store.table);
    const waits = new DynamoDbLineWaits(store.table);
    const sku = unique("SKU");
    await store.putSkuPolicy(
      { sku, name: "W", onHand: 1, backorder: { allowed: true }, substitutes: [] },
      AT,
    );
    const placed = [newOrder(sku, { allocate: 1, backorder: 2 })];
    for (let i = 0; i < 6; i++) placed.push(newOrder(sku, { allocate: 0, backorder: 1 }));
    for (const order of placed) expect(await store.createOrder(order)).toBe("created");
    const ours = new Set(placed.flatMap((o) => o.lines.map((l) => l.lineId)));

    /** Our lines on the index, every shard, a page of two at a time. */
    async function onIndex() {
      const found: Awaited<ReturnType<typeof live.liveLines>>["lines"] = [];
      for (let shard = 0; shard < live.shards; shard++) {
        let cursor: string | null = null;
        do {
          const page: Awaited<ReturnType<typeof live.liveLines>> = await live.liveLines(
            shard,
            cursor,
            2,
          );
          found.push(...page.lines.filter((l) => ours.has(l.lineId)));
          cursor = page.next;
        } while (cursor);
      }
      return found;
    }
    const all = await onIndex();
    expect(all.map((l) => l.lineId).sort()).toEqual([...ours].sort());
    const [first] = placed[0]?.lines ?? [];
    if (!first) throw new Error("no line");
    expect(all.find((l) => l.lineId === first.lineId)).toEqual({
      orderId: first.orderId,
      lineId: first.lineId,
      createdAt: first.createdAt,
    });

    // A restart shows on the index; a finished execution takes the line off it.
    await waits.recordExecutionRestart(first, first.lineId, `${first.lineId}-r1`, {
      restarts: 1,
      failures: 0,
    });
    const done = placed[1]?.lines[0];
    if (!done) throw new Error("no line");
    await live.finished(done.orderId, done.lineId);
    const after = await onIndex();
    expect(after.find((l) => l.lineId === first.lineId)?.executionName).toBe(`${first.lineId}-r1`);
    expect(after).toHaveLength(ours.size - 1);
    await live.finished(first.orderId, "ln_not_there"); // nothing to take off: no error

    // Where a sweep stopped short is kept until a sweep goes all the way through.
    expect(await live.sweepPosition()).toBeNull();
    await live.saveSweepPosition({ shard: 2, cursor: "abc" });
    expect(await live.sweepPosition()).toEqual({ shard: 2, cursor: "abc" });
    await live.saveSweepPosition(null);
    expect(await live.sweepPosition()).toBeNull();
  });
});

describe("counters under change", () => {
  it("gives a SKU stored before committed/atp existed its figures on first read", async () => {
    const sku = unique("LEGACY");
    // As the first version of putSkuPolicy wrote it.
    const { DynamoDBDocumentClient, PutCommand } = await import("@aws-sdk/lib-dynamodb");
    const { DynamoDBClient } = await import("@aws-sdk/client-dynamodb");
    const doc = DynamoDBDocumentClient.from(new DynamoDBClient({}));
    await doc.send(
      new PutCommand({
        TableName: TABLE,
        Item: {
          ...keys.sku(sku),
          type: "sku",
          sku,
          name: "Old",
          onHand: 4,
          allocated: 1,
          backorderedQty: 0,
          backorder: { allowed: false },
          substitutes: [],
          updatedAt: AT.toISOString(),
        },
      }),
    );
    expect((await store.getSkus([sku])).get(sku)).toMatchObject({ onHand: 4, allocated: 1 });
    expect(await rawSku(sku)).toMatchObject({ committed: 1, atp: 3 });
    expect(await store.createOrder(newOrder(sku, { allocate: 3, backorder: 0 }))).toBe("created");
    doc.destroy();
  });

  it("refuses a backorder planned while backorders were allowed, after they are turned off", async () => {
    const sku = unique("SKU");
    const policy = { sku, name: "W", onHand: 0, backorder: { allowed: true }, substitutes: [] };
    await store.putSkuPolicy(policy, AT);
    await store.putSkuPolicy({ ...policy, backorder: { allowed: false } }, AT);
    expect(await store.createOrder(newOrder(sku, { allocate: 0, backorder: 1 }))).toBe(
      "stock-changed",
    );
    // And a limit added since planning without one.
    await store.putSkuPolicy({ ...policy, backorder: { allowed: true, limit: 5 } }, AT);
    expect(await store.createOrder(newOrder(sku, { allocate: 0, backorder: 1 }))).toBe(
      "stock-changed",
    );
    expect(await store.getSku(sku)).toMatchObject({ backorderedQty: 0 });
  });

  it("a PUT racing orders loses none of their counts", async () => {
    const sku = unique("SKU");
    const policy = { sku, name: "W", onHand: 100, backorder: { allowed: true }, substitutes: [] };
    await store.putSkuPolicy(policy, AT);
    const outcomes = await Promise.all([
      ...Array.from({ length: 20 }, () =>
        store.createOrder(newOrder(sku, { allocate: 2, backorder: 0 })),
      ),
      ...Array.from({ length: 5 }, (_, i) =>
        store.putSkuPolicy({ ...policy, onHand: 100 + i }, AT).then(() => "put"),
      ),
    ]);
    const created = outcomes.filter((o) => o === "created").length;
    const raw = await rawSku(sku);
    expect(raw?.allocated).toBe(2 * created);
    expect(raw?.committed).toBe(2 * created);
    expect(raw?.atp).toBe(Number(raw?.onHand) - 2 * created);
  });
});

/** A line stored in `status`, of an order of its own. */
async function storedLine(status: LineStatus): Promise<Line> {
  const input = newOrder(unique("SKU"), { allocate: 1, backorder: 0 });
  const line = { ...(input.lines[0] as Line), status };
  await store.table.transact([
    {
      Put: {
        TableName: TABLE,
        Item: lineItem(line),
        ConditionExpression: "attribute_not_exists(pk)",
      },
    },
  ]);
  return line;
}

describe("line status writes", () => {
  it("refuses, by DynamoDB's condition, every move the transitions table forbids", async () => {
    const pairs = LINE_STATUSES.flatMap((from) => LINE_STATUSES.map((to) => [from, to] as const));
    const results = await Promise.all(
      pairs.map(async ([from, to]) => {
        const line = await storedLine(from);
        if (sourcesOf(to).length === 0) {
          // No status may move here: the write cannot even be built.
          expect(() => lineTransition(to, AT)).toThrow(RangeError);
          return {
            from,
            to,
            written: false,
            after: await store.getLine(line.orderId, line.lineId),
          };
        }
        const written = await store.table.updateIf(
          keys.line(line.orderId, line.lineId),
          lineTransition(to, AT),
        );
        return { from, to, written, after: await store.getLine(line.orderId, line.lineId) };
      }),
    );
    const forbidden = results.filter((r) => !canTransition(r.from, r.to));
    const allowed = Object.values(LINE_TRANSITIONS).flat().length;
    expect(forbidden.length).toBe(LINE_STATUSES.length ** 2 - allowed);
    for (const r of forbidden) {
      expect(r.written, `${r.from} → ${r.to} must be refused`).toBe(false);
      expect(r.after?.status, `${r.from} → ${r.to} left the line as it was`).toBe(r.from);
      expect(r.after?.history).toHaveLength(1);
    }
    for (const r of results.filter((x) => canTransition(x.from, x.to))) {
      expect(r.written, `${r.from} → ${r.to} is allowed`).toBe(true);
      expect(r.after?.status).toBe(r.to);
      expect(r.after?.history.at(-1)).toEqual({ status: r.to, at: AT.toISOString() });
    }
  });

  it("cannot build a narrowed write from a status the table does not allow", () => {
    // The type already refuses it; a cast past the type is refused at run time.
    expect(() => lineTransition("charged", AT, ["backordered" as never])).toThrow(
      "a line cannot go from backordered to charged",
    );
  });
});

describe("charge attempts", () => {
  const charges = () => new DynamoDbCharges(store.table);

  it("an attempt begun on a line read before a newer payment method came is refused", async () => {
    const { orderId, lineId } = await storedLine("awaiting_payment");
    expect(await charges().requestChargeRetry(orderId, lineId, "pm_card_expired", AT)).toBe(true);
    const stale = (await store.getLine(orderId, lineId)) as Line;
    expect(stale.retryMethod).toBe("pm_card_expired");
    expect(await charges().requestChargeRetry(orderId, lineId, "pm_card_visa", AT)).toBe(true);

    expect(await charges().beginChargeAttempt(stale, "pm_card_expired")).toBeNull();
    const fresh = (await store.getLine(orderId, lineId)) as Line;
    expect(await charges().beginChargeAttempt(fresh, "pm_card_visa")).toBe(1);
    const begun = await store.getLine(orderId, lineId);
    expect(begun).toMatchObject({ chargingAttempt: 1, chargingMethod: "pm_card_visa" });
    expect(begun?.retryCharge).toBe(false);
    expect(begun?.retryMethod).toBeUndefined();
  });

  it("a method is not asked to be retried on a line that does not await payment", async () => {
    const { orderId, lineId } = await storedLine("allocated");
    expect(await charges().requestChargeRetry(orderId, lineId, "pm_card_visa", AT)).toBe(false);
    expect((await store.getLine(orderId, lineId))?.retryMethod).toBeUndefined();
  });
});

describe("the wake outbox (gsi2)", () => {
  const waits = () => new DynamoDbLineWaits(store.table);

  const waitingLine = () => storedLine("backordered");

  it("lists a marked line once it is due, postpones it, and drops it on park or clear", async () => {
    const w = waits();
    const [a, b] = [await waitingLine(), await waitingLine()];
    const later = new Date(AT.getTime() + 60_000);
    await w.markWake(a.orderId, a.lineId, AT);
    await w.markWake(b.orderId, b.lineId, AT);
    const owedA = await w.owedWake(a.orderId, a.lineId);
    expect(owedA).toMatchObject({ orderId: a.orderId, lineId: a.lineId, attempts: 0 });
    const due = (await w.wakesDue(later, 1000)).filter((x) =>
      [a.lineId, b.lineId].includes(x.lineId),
    );
    expect(due.map((x) => x.lineId).sort()).toEqual([a.lineId, b.lineId].sort());
    // Not before it is due.
    expect((await w.wakesDue(AT, 1000)).some((x) => x.lineId === a.lineId)).toBe(false);

    // A failed delivery: tried again later, with the attempt counted.
    if (!owedA) throw new Error("a is marked");
    await w.postponeWake(owedA, new Date(AT.getTime() + 120_000));
    expect((await w.wakesDue(later, 1000)).some((x) => x.lineId === a.lineId)).toBe(false);
    const again = (await w.wakesDue(new Date(AT.getTime() + 180_000), 1000)).find(
      (x) => x.lineId === a.lineId,
    );
    expect(again).toMatchObject({ attempts: 1, due: owedA.due });

    // A clear of a mark replaced since is refused; of the mark itself, it drops it.
    await w.markWake(a.orderId, a.lineId, later);
    await w.clearWake(owedA);
    expect(await w.owedWake(a.orderId, a.lineId)).not.toBeNull();
    const current = await w.owedWake(a.orderId, a.lineId);
    if (!current) throw new Error("a is marked");
    await w.clearWake(current);
    expect(await w.owedWake(a.orderId, a.lineId)).toBeNull();

    // Parking drops the mark: a parked line is woken by the next change.
    expect(await w.parkLine(b.orderId, b.lineId, "token-b", "stock")).toBe(true);
    expect(await w.owedWake(b.orderId, b.lineId)).toBeNull();
    expect(
      (await w.wakesDue(new Date(AT.getTime() + 3_600_000), 1000)).map((x) => x.lineId),
    ).not.toContain(b.lineId);
  });

  it("a status change that owes a wake-up marks the line in the same write", async () => {
    const line = await waitingLine();
    const written = await store.table.updateIf(
      keys.line(line.orderId, line.lineId),
      mergeParts(lineTransition("cancelled", AT), wakeMark(AT)),
    );
    expect(written).toBe(true);
    expect(await waits().owedWake(line.orderId, line.lineId)).toMatchObject({ attempts: 0 });
  });
});

describe("email claims", () => {
  const draft = {
    kind: "check_in" as const,
    to: "ada@example.com",
    subject: "Still waiting",
    sentAt: AT.toISOString(),
    lineIds: ["ln-1"],
  };
  const laterBy = (ms: number) => new Date(AT.getTime() + ms);

  it("claims once per event, counting each send; a released or failed claim is taken again at once", async () => {
    const orderId = unique("ord");
    const claim = (at: Date) => store.notifications.claimNotification(orderId, "k", draft, at);
    expect(await claim(AT)).toEqual({ attempt: 1 });
    expect(await claim(AT)).toBe("in-flight");
    await store.notifications.releaseNotification(orderId, "k", AT, "TooManyRequestsException");
    expect(await store.listNotifications(orderId)).toEqual([]);
    expect(await claim(laterBy(1))).toEqual({ attempt: 2 });
    await store.notifications.markNotificationFailed(orderId, "k", laterBy(1), "MessageRejected");
    expect(await store.listNotifications(orderId)).toEqual([
      expect.objectContaining({ kind: "check_in", state: "failed", attempts: 2 }),
    ]);
    expect(await claim(laterBy(2))).toEqual({ attempt: 3 });
    await store.notifications.markNotificationSent(orderId, "k", "msg-1", laterBy(2));
    expect(await claim(laterBy(10 * EMAIL_CLAIM_LEASE_MS))).toBe("already-sent");
    expect(await store.listNotifications(orderId)).toEqual([
      expect.objectContaining({ state: "sent", attempts: 3, subject: "Still waiting" }),
    ]);
  });

  it("never takes a claim younger than its lease; a stale one may be sent again", async () => {
    const orderId = unique("ord");
    const claim = (at: Date) => store.notifications.claimNotification(orderId, "k", draft, at);
    expect(await claim(AT)).toEqual({ attempt: 1 });
    expect(await claim(laterBy(EMAIL_CLAIM_LEASE_MS))).toBe("in-flight");
    expect(await claim(laterBy(EMAIL_CLAIM_LEASE_MS + 1))).toEqual({ attempt: 2 });
    // The first attempt's late release is not the claim's any more: nothing changes.
    await store.notifications.releaseNotification(orderId, "k", AT, "late");
    expect(await claim(laterBy(EMAIL_CLAIM_LEASE_MS + 2))).toBe("in-flight");
  });
});

describe("receipts", () => {
  const receiptOf = (receiptId: string, sku: string, qty: number) => ({
    receiptId,
    lines: [{ sku, qty }],
    requestHash: "h",
    allocations: [],
    unitsLeft: { [sku]: qty },
    pendingStock: { [sku]: qty },
    done: false,
    createdAt: AT.toISOString(),
  });

  it("lists a receipt as unfinished from its record until it is done, oldest first", async () => {
    // Recorded long before anything else in the table, so it is among the first listed.
    const early = new Date(Date.UTC(2001, 0, 1) + Math.floor(Math.random() * 1e9));
    const first = unique("rc");
    const second = unique("rc");
    const at = (receiptId: string, createdAt: Date) => ({
      ...receiptOf(receiptId, "X", 1),
      createdAt: createdAt.toISOString(),
    });
    expect(await store.allocation.recordReceipt(at(second, new Date(early.getTime() + 1)))).toBe(
      true,
    );
    expect(await store.allocation.recordReceipt(at(first, early))).toBe(true);
    // The same receipt again records nothing, and lists nothing twice.
    expect(await store.allocation.recordReceipt(at(first, early))).toBe(false);
    const before = new Date(early.getTime() + 2);
    const listed = await store.allocation.unfinishedReceipts(before);
    expect(listed.filter((id) => id === first || id === second)).toEqual([first, second]);
    expect(await store.allocation.unfinishedReceipts(early)).not.toContain(first);

    await store.allocation.markReceiptDone(first);
    expect((await store.allocation.getReceiptHead(first))?.done).toBe(true);
    expect(await store.allocation.unfinishedReceipts(before)).not.toContain(first);
    expect(await store.allocation.unfinishedReceipts(before)).toContain(second);
    // Its cross-dock list is still only its fills.
    expect((await store.allocation.getReceipt(first))?.allocations).toEqual([]);
  });

  it("adds a SKU's units once, and never gives more units than the receipt brought", async () => {
    const sku = unique("SKU");
    await store.putSkuPolicy(
      { sku, name: "W", onHand: 0, backorder: { allowed: true }, substitutes: [] },
      AT,
    );
    const input = newOrder(sku, { allocate: 0, backorder: 3 });
    expect(await store.createOrder(input)).toBe("created");
    const receiptId = unique("rc");
    expect(await store.allocation.recordReceipt(receiptOf(receiptId, sku, 2))).toBe(true);
    expect(await store.allocation.addReceiptStock(receiptId, sku, 2)).toBe(true);
    expect(await store.allocation.addReceiptStock(receiptId, sku, 2)).toBe(false);
    // Another receipt's units are on hand too: 5 free, this receipt may give only its 2.
    await store.putSkuPolicy(
      { sku, name: "W", onHand: 5, backorder: { allowed: true }, substitutes: [] },
      AT,
    );
    const [line] = input.lines as [Line];
    let n = 0;
    const fill = (qty: number, remainder: number) =>
      store.allocation.allocateLines(
        sku,
        [{ line, qty, remainder }],
        AT,
        () => `${line.lineId}-part${++n}`,
        receiptId,
      );
    expect(await fill(3, 0)).toEqual({ outcome: "changed" });
    expect(await store.allocation.receiptUnitsLeft(receiptId, sku)).toBe(2);
    expect((await fill(2, 1)).outcome).toBe("allocated");
    expect(await store.allocation.receiptUnitsLeft(receiptId, sku)).toBe(0);
    expect((await store.getSku(sku))?.allocated).toBe(2);
  });

  it("refuses an allocation chosen from a view of the SKU another allocation changed since, though units are free", async () => {
    const sku = unique("SKU");
    await store.putSkuPolicy(
      { sku, name: "W", onHand: 0, backorder: { allowed: true }, substitutes: [] },
      AT,
    );
    const first = newOrder(sku, { allocate: 0, backorder: 2 });
    const second = newOrder(sku, { allocate: 0, backorder: 2 });
    expect(await store.createOrder(first)).toBe("created");
    expect(await store.createOrder(second)).toBe("created");
    await store.putSkuPolicy(
      { sku, name: "W", onHand: 10, backorder: { allowed: true }, substitutes: [] },
      AT,
    );
    // Two allocations read the SKU (nothing allocated) and choose a line each.
    const read = (await store.getSku(sku))?.allocated;
    expect(read).toBe(0);
    const [a] = first.lines as [Line];
    const [b] = second.lines as [Line];
    const fill = (line: Line) =>
      store.allocation.allocateLines(
        sku,
        [{ line, qty: line.qty, remainder: 0 }],
        AT,
        () => unique("ln"),
        undefined,
        read,
      );
    expect((await fill(a)).outcome).toBe("allocated");
    // The other chose from the same view: refused, to read the queue again (a remainder
    // the first put back in its place would have been ahead of its line).
    expect(await fill(b)).toEqual({ outcome: "changed" });
    expect((await store.getSku(sku))?.allocated).toBe(2);
  });

  it("pages a cross-dock list across its batches, each fill once", async () => {
    const receiptId = unique("rc");
    expect(await store.allocation.recordReceipt(receiptOf(receiptId, "X", 7))).toBe(true);
    // Three batches of fills, as three allocation transactions write them.
    const fills = (from: number, n: number) =>
      Array.from({ length: n }, (_, i) => ({
        lineId: `ln-${from + i}`,
        orderId: "ord",
        sku: "X",
        qty: 1,
      }));
    for (const [i, batch] of [fills(0, 3), fills(3, 1), fills(4, 3)].entries()) {
      await store.table.putIf({ pk: `RECEIPT#${receiptId}`, sk: `ALLOC#${i}`, fills: batch });
    }
    for (const limit of [1, 2, 3, 4, 7, 100]) {
      const seen: string[] = [];
      let cursor: string | null = null;
      let pages = 0;
      do {
        const page = await store.allocation.receiptAllocations(receiptId, cursor, limit);
        expect(page.allocations.length).toBeLessThanOrEqual(limit);
        seen.push(...page.allocations.map((a) => a.lineId));
        cursor = page.next;
        pages++;
      } while (cursor);
      expect(seen, `limit ${limit}`).toEqual(fills(0, 7).map((f) => f.lineId));
      expect(pages, `limit ${limit}`).toBe(Math.ceil(7 / limit));
    }
  });
});

describe("rates (turns in the table, one item a rate)", () => {
  it("never grants more than the rate, however many take at once, and frees up again", async () => {
    const rates = new DynamoDbRateLimiter({ payments: 5, emails: 0, wakes: 20 }, store.table);
    const started = Date.now();
    const takes = await Promise.all(Array.from({ length: 20 }, () => rates.take("payments")));
    const elapsed = (Date.now() - started) / 1000;
    const granted = takes.filter((t) => t.granted).length;
    expect(granted).toBeGreaterThan(0);
    // A full bucket (5), and what refilled while they took (5 a second).
    expect(granted).toBeLessThanOrEqual(5 + Math.ceil(elapsed * 5));
    const refused = takes.find((t) => !t.granted);
    expect(refused && !refused.granted && refused.retryInMs).toBeGreaterThan(0);
    // A rate of 0 is off: always granted.
    expect(await rates.take("emails")).toEqual({ granted: true });
    await expect(rates.take("wakes", 21)).rejects.toThrow(RangeError);
    await new Promise((r) => setTimeout(r, 1_100));
    expect((await rates.take("payments", 5)).granted).toBe(true);
  });

  it("hands out turns in order, one every 1/rate seconds, to takers racing on every instance", async () => {
    const rates = new DynamoDbRateLimiter({ payments: 10 }, store.table);
    const started = Date.now();
    const turns = await Promise.all(
      Array.from({ length: 40 }, () => rates.reserve("payments", 1, 60_000)),
    );
    expect(turns.every((t) => t !== null)).toBe(true);
    const at = turns.map((t) => t?.at ?? 0).sort((a, b) => a - b);
    // One every 100 ms: 40 turns span about 3 s at least (after a pause a second's worth may
    // go at once, as from a full token bucket), and no second holds more than that burst
    // and the rate.
    expect(at.at(-1) as number).toBeGreaterThanOrEqual(started + 2_900);
    for (const t of at) {
      expect(at.filter((u) => u >= t && u < t + 1_000).length).toBeLessThanOrEqual(10 + 10);
    }
    // A take now finds the rate reserved ahead: refused, and told how long until it is free.
    const take = await rates.take("payments");
    expect(take.granted).toBe(false);
    // A reservation past its horizon reserves nothing.
    expect(await rates.reserve("payments", 1, 100)).toBeNull();
    const next = await rates.reserve("payments", 1, 60_000);
    expect((next?.at ?? 0) - (at.at(-1) as number)).toBeGreaterThanOrEqual(99);
  });
});

describe("line outcomes and their tallies (the promise report)", () => {
  it("tallies each outcome once, however often it is recorded and however many at once", async () => {
    const outcomes = new DynamoDbOutcomes(store.table);
    const sku = unique("TALLY");
    const day = "2031-05-31";
    const all: LineOutcome[] = Array.from({ length: 40 }, (_, i) => ({
      lineId: unique("ln"),
      orderId: "o",
      sku,
      qty: 1,
      day: i < 30 ? day : "2031-06-01",
      ...(i % 10 === 9
        ? { kind: "cancelled" as const, reason: "customer" as const }
        : i % 4 === 0
          ? { kind: "late" as const, tier: "apology" as const, daysToShip: 20 + i }
          : { kind: "on_time" as const, daysToShip: i % 7 }),
    }));
    // The lines of a big receipt ship the same day: their tally is updated all at once, and
    // a retried step records its line again.
    await Promise.all([...all, ...all.slice(0, 10)].map((o) => outcomes.recordOutcome(o)));
    await outcomes.recordOutcome(all[5] as LineOutcome);

    const tallies = (await outcomes.talliesBetween("2031-05-01", "2031-06-30")).filter(
      (t) => t.sku === sku,
    );
    expect(promiseFiguresOf(tallies)).toEqual(promiseFigures(all));
    const firstDay = (await outcomes.talliesBetween(day, day)).filter((t) => t.sku === sku);
    expect(promiseFiguresOf(firstDay)).toEqual(promiseFigures(all.slice(0, 30)));
  });

  it("tallies an outcome recorded before tallies were kept when it is recorded again, once", async () => {
    const outcomes = new DynamoDbOutcomes(store.table);
    const sku = unique("OLD");
    const day = "2031-07-15";
    const old: LineOutcome = {
      lineId: unique("ln"),
      orderId: "o",
      sku,
      qty: 1,
      day,
      kind: "on_time",
      daysToShip: 2,
    };
    // As the first version put it: the record alone, no tally.
    await store.table.putIf({
      pk: `OUTCOMES#${day.slice(0, 7)}`,
      sk: `${day}#${old.lineId}`,
      type: "outcome",
      ...old,
    });
    const ofSku = async () =>
      promiseFiguresOf((await outcomes.talliesBetween(day, day)).filter((t) => t.sku === sku));
    expect((await ofSku()).total.shippedOnTime).toBe(0);
    await outcomes.recordOutcome(old);
    await outcomes.recordOutcome(old);
    expect((await ofSku()).total).toMatchObject({ shippedOnTime: 1, p90DaysToShip: 2 });
  });
});
