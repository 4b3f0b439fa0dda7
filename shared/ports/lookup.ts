import type { Order } from "../domain/model.ts";
import type { RunEvent } from "../domain/timeline.ts";
import type { Page, PageRequest } from "./paging.ts";

/** What an operator looks an order up by: the storefront's order ref, or the customer's email. */
export type OrderQuery = { orderRef: string } | { email: string };

/** Orders found by what the shop knows of them (the console's search), newest first. */
export interface OrderSearch {
  findOrders(query: OrderQuery, request: PageRequest): Promise<Page<Order>>;
}

/** What the line machine recorded of one execution. */
export interface RunHistory {
  /** Its events, oldest first, read up to a bound (`truncated` past it); null: no such run. */
  runEvents(execution: string): Promise<{ events: RunEvent[]; truncated: boolean } | null>;
}
