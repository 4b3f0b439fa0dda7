import { ScanCommand } from "@aws-sdk/lib-dynamodb";
import { dynamo } from "../../shared/adapters/aws-clients.ts";
import { DynamoDbAllocation } from "../../shared/adapters/dynamodb/allocation.ts";
import { DynamoDbCatalog } from "../../shared/adapters/dynamodb/catalog.ts";
import { DynamoDbLineWaits } from "../../shared/adapters/dynamodb/line-waits.ts";
import { DynamoDbNotifications } from "../../shared/adapters/dynamodb/notifications.ts";
import { DynamoDbOrders } from "../../shared/adapters/dynamodb/orders.ts";
import {
  keys,
  lineItem,
  lineTransition,
  orderItem,
  putsIfAbsent,
  Table,
} from "../../shared/adapters/dynamodb/table.ts";
import type { LineStatus, SourceOf } from "../../shared/domain/line-states.ts";
import type { Line, Order } from "../../shared/domain/model.ts";

/**
 * The table as tests see it: the store adapters' reads and writes under one object, and a
 * few writes only tests make (an order put as it is, a bare status move, a full scan).
 */
export class TestTable {
  readonly table: Table;
  readonly catalog: DynamoDbCatalog;
  readonly orders: DynamoDbOrders;
  readonly allocation: DynamoDbAllocation;
  readonly waits: DynamoDbLineWaits;
  readonly notifications: DynamoDbNotifications;

  constructor(tableName: string) {
    this.table = new Table(tableName);
    this.catalog = new DynamoDbCatalog(this.table);
    this.orders = new DynamoDbOrders(this.table);
    this.allocation = new DynamoDbAllocation(this.table);
    this.waits = new DynamoDbLineWaits(this.table);
    this.notifications = new DynamoDbNotifications(this.table);
  }

  getSku: DynamoDbCatalog["getSku"] = (...a) => this.catalog.getSku(...a);
  getSkus: DynamoDbCatalog["getSkus"] = (...a) => this.catalog.getSkus(...a);
  putSkuPolicy: DynamoDbCatalog["putSkuPolicy"] = (...a) => this.catalog.putSkuPolicy(...a);
  createOrder: DynamoDbOrders["createOrder"] = (...a) => this.orders.createOrder(...a);
  getOrder: DynamoDbOrders["getOrder"] = (...a) => this.orders.getOrder(...a);
  getLine: DynamoDbOrders["getLine"] = (...a) => this.orders.getLine(...a);
  listLines: DynamoDbOrders["listLines"] = (...a) => this.orders.listLines(...a);
  getIdempotency: DynamoDbOrders["getIdempotency"] = (...a) => this.orders.getIdempotency(...a);
  markIdempotencyDone: DynamoDbOrders["markIdempotencyDone"] = (...a) =>
    this.orders.markIdempotencyDone(...a);
  pendingFollowUps: DynamoDbOrders["pendingFollowUps"] = (...a) =>
    this.orders.pendingFollowUps(...a);
  waitingLines: DynamoDbAllocation["waitingLines"] = (...a) => this.allocation.waitingLines(...a);
  getWaitToken: DynamoDbLineWaits["getWaitToken"] = (...a) => this.waits.getWaitToken(...a);
  listNotifications: DynamoDbNotifications["listNotifications"] = (...a) =>
    this.notifications.listNotifications(...a);

  /** Puts an order and its lines as they are (no stock taken, no idempotency record). */
  async putOrder(order: Order, lines: Line[]): Promise<void> {
    await this.table.transact(
      putsIfAbsent(this.table.name, [orderItem(order), ...lines.map(lineItem)]),
    );
  }

  /** Moves a line's status through the one status-write builder; false if it was not `from`. */
  transitionLine<To extends LineStatus>(
    orderId: string,
    lineId: string,
    from: SourceOf<To>,
    to: To,
    at: Date,
  ): Promise<boolean> {
    return this.table.updateIf(keys.line(orderId, lineId), lineTransition(to, at, [from]));
  }

  /** Every item of the table; for tests on small local tables only. */
  async scanAll(): Promise<Record<string, unknown>[]> {
    const items: Record<string, unknown>[] = [];
    let start: Record<string, unknown> | undefined;
    do {
      const out = await dynamo().send(
        new ScanCommand({
          TableName: this.table.name,
          ExclusiveStartKey: start,
          ConsistentRead: true,
        }),
      );
      items.push(...(out.Items ?? []));
      start = out.LastEvaluatedKey;
    } while (start);
    return items;
  }
}
