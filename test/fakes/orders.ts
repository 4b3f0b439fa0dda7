import { isCancellable, unitsHeldIn } from "../../shared/domain/line-states.ts";
import type { CancelReason, Line, Order } from "../../shared/domain/model.ts";
import type {
  CreateOrderOutcome,
  IdempotencyRecord,
  NewOrder,
  OrderStore,
  StockTake,
} from "../../shared/ports/orders.ts";
import { check, clone, type FakeDb, lineKey, markWake, moveLine, type Tables } from "./db.ts";
import { releaseUnits, takeStock } from "./stock.ts";

const idempotencyKey = (scope: string, key: string) => `${scope}#${key}`;

/** Orders, lines and intake's idempotency records (shared/adapters/dynamodb/orders.ts). */
export class FakeOrders implements OrderStore {
  constructor(private readonly db: FakeDb) {}

  async createOrder({ order, lines, stock, idempotency }: NewOrder): Promise<CreateOrderOutcome> {
    const key = idempotencyKey(idempotency.scope, idempotency.key);
    let keyTaken = false;
    const failed = await this.db.write("orders.createOrder", (t) => {
      keyTaken = t.idempotency.has(key);
      check(!keyTaken, "the idempotency key is free");
      t.idempotency.set(key, clone(idempotency));
      check(!t.orders.has(order.orderId), "the order is new");
      t.orders.set(order.orderId, clone(order));
      putLines(t, lines, stock);
    });
    if (!failed) return "created";
    return keyTaken ? "idempotency-key-taken" : "stock-changed";
  }

  async addLines(
    lines: readonly Line[],
    stock: readonly StockTake[],
  ): Promise<"created" | "stock-changed"> {
    const failed = await this.db.write("orders.addLines", (t) => putLines(t, lines, stock));
    return failed ? "stock-changed" : "created";
  }

  async getOrder(orderId: string): Promise<Order | null> {
    const order = this.db.tables.orders.get(orderId);
    return order ? clone(order) : null;
  }

  async revokeLinks(orderId: string, at: Date): Promise<number | null> {
    let generation: number | null = null;
    await this.db.write("orders.revokeLinks", (t) => {
      const order = t.orders.get(orderId);
      if (!order) return;
      generation = (order.linkGeneration ?? 0) + 1;
      order.linkGeneration = generation;
      order.linksRevokedAt = at.toISOString();
    });
    return generation;
  }

  async getLine(orderId: string, lineId: string): Promise<Line | null> {
    const line = this.db.line(orderId, lineId);
    return line ? clone(line) : null;
  }

  async listLines(orderId: string): Promise<Line[]> {
    return [...this.db.tables.lines.values()]
      .filter((l) => l.orderId === orderId)
      .sort((a, b) => a.createdAt.localeCompare(b.createdAt) || a.lineId.localeCompare(b.lineId))
      .map(clone);
  }

  async cancelLine(line: Line, at: Date, reason: CancelReason = "storefront"): Promise<boolean> {
    const { status } = line;
    const held = unitsHeldIn(status);
    if (!held || !isCancellable(status)) return false;
    const failed = await this.db.write("orders.cancelLine", (t) => {
      // Only from the status it was read in: its units are held where that status says.
      const moved = moveLine(t.lines.get(lineKey(line.orderId, line.lineId)), "cancelled", at, [
        status,
      ]);
      moved.cancelReason = reason;
      markWake(t, line.orderId, line.lineId, at);
      releaseUnits(t.skus.get(line.sku), held, line.qty);
    });
    return failed === null;
  }

  async getIdempotency(scope: string, key: string): Promise<IdempotencyRecord | null> {
    const record = this.db.tables.idempotency.get(idempotencyKey(scope, key));
    return record ? clone(record) : null;
  }

  async markIdempotencyDone(scope: string, key: string): Promise<void> {
    await this.db.write("orders.markIdempotencyDone", (t) => {
      const record = t.idempotency.get(idempotencyKey(scope, key));
      check(record, "the record exists");
      record.followUpDone = true;
    });
  }

  async pendingFollowUps(scope: string, before: Date, limit = 100): Promise<IdempotencyRecord[]> {
    return [...this.db.tables.idempotency.values()]
      .filter((r) => r.scope === scope && !r.followUpDone && r.createdAt < before.toISOString())
      .sort((a, b) => a.createdAt.localeCompare(b.createdAt))
      .slice(0, limit)
      .map(clone);
  }
}

/** New lines, each only if absent, with what they take from each SKU. */
function putLines(t: Tables, lines: readonly Line[], stock: readonly StockTake[]): void {
  for (const line of lines) {
    const key = lineKey(line.orderId, line.lineId);
    check(!t.lines.has(key), `line ${line.lineId} is new`);
    t.lines.set(key, clone(line));
    t.live.add(key);
  }
  for (const delta of stock) takeStock(t.skus.get(delta.sku), delta);
}
