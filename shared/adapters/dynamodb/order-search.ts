import type { Order } from "../../domain/model.ts";
import type { OrderQuery, OrderSearch } from "../../ports/lookup.ts";
import type { Page, PageRequest } from "../../ports/paging.ts";
import { type CursorShape, type Item, keys, readOrder, Table } from "./table.ts";

/**
 * Orders by their ref (gsi1 `ORDERREF#<ref>`) or their customer's email (gsi2
 * `EMAIL#<digest>`), newest first: one Query of the index for the page, then one
 * consistent BatchGet of the orders it names.
 */
export class DynamoDbOrderSearch implements OrderSearch {
  constructor(private readonly table = new Table()) {}

  async findOrders(query: OrderQuery, request: PageRequest): Promise<Page<Order>> {
    const [index, partition] =
      "orderRef" in query
        ? (["gsi1", keys.orderByRef(query.orderRef).gsi1pk] as const)
        : (["gsi2", keys.orderByEmail(query.email).gsi2pk] as const);
    const shape: CursorShape = { index, partition };
    const page = await this.table.listPage(
      {
        IndexName: index,
        KeyConditionExpression: `${index}pk = :pk`,
        ExpressionAttributeValues: { ":pk": partition },
        ProjectionExpression: `pk, sk, ${index}pk, ${index}sk`,
        ScanIndexForward: false,
      },
      shape,
      request,
    );
    const found = await this.table.getMany(
      page.items.map((i) => ({ pk: String(i.pk), sk: String(i.sk) })),
    );
    const byKey = new Map(found.map((item: Item) => [String(item.pk), item]));
    const orders = page.items.flatMap((i) => {
      const item = byKey.get(String(i.pk));
      return item ? [readOrder(item)] : [];
    });
    return { items: orders, next: page.next };
  }
}
