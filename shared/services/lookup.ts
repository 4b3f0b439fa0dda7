import { refusals } from "../domain/errors.ts";
import type { Line, Order } from "../domain/model.ts";
import type { Notification } from "../domain/notifications.ts";
import { executionNamesOf, lineTimeline, type TimelineEvent } from "../domain/timeline.ts";
import type { OrderQuery, OrderSearch, RunHistory } from "../ports/lookup.ts";
import type { NotificationStore } from "../ports/notifications.ts";
import type { OrderStore } from "../ports/orders.ts";
import { type Page, type PageRequest, readAllPages } from "../ports/paging.ts";

/** What the operator's look-ups read: orders, their emails, the search indexes, runs. */
export interface LookupDeps {
  orders: Pick<OrderStore, "getOrder" | "getLine">;
  notifications: Pick<NotificationStore, "notificationsPage">;
  search: OrderSearch;
  runs: RunHistory;
}

/** A line's timeline reads this many of its runs at most: the latest (a line restarted more
 * often than this is an operator's case, and its older runs are in Step Functions). */
const RUNS_READ = 3;

/** Orders by their ref or their customer's email, newest first, a page at a time. */
export function findOrders(
  deps: Pick<LookupDeps, "search">,
  query: OrderQuery,
  request: PageRequest,
): Promise<Page<Order>> {
  return deps.search.findOrders(query, request);
}

export interface LineTimeline {
  order: Order;
  line: Line;
  events: TimelineEvent[];
  /** Runs left out (older than the ones read), or read only in part. */
  runsOmitted: number;
  truncated: boolean;
}

/**
 * One line's timeline (the console's): its statuses, charges, refund and emails from the
 * table, and what its runs through the line machine did (parked, woken and why, waits for a
 * turn, failed steps) from their execution history. Not found: no such order or line.
 */
export async function lineTimelineOf(
  deps: LookupDeps,
  orderId: string,
  lineId: string,
): Promise<LineTimeline> {
  const [order, line] = await Promise.all([
    deps.orders.getOrder(orderId),
    deps.orders.getLine(orderId, lineId),
  ]);
  if (!order) throw refusals.notFound(`Order ${orderId}`);
  if (!line) throw refusals.notFound(`Line ${lineId} of order ${orderId}`);
  const names = executionNamesOf(line);
  const read = names.slice(-RUNS_READ);
  const [notifications, runs] = await Promise.all([
    allNotifications(deps.notifications, orderId),
    Promise.all(read.map((name) => deps.runs.runEvents(name))),
  ]);
  const found = read.flatMap((execution, i) => {
    const run = runs[i];
    return run ? [{ execution, ...run }] : [];
  });
  return {
    order,
    line,
    events: lineTimeline(line, notifications, found),
    runsOmitted: names.length - read.length,
    truncated: found.some((r) => r.truncated),
  };
}

/** Every email of the order (sent or failed), in order, through its pages. */
function allNotifications(
  store: Pick<NotificationStore, "notificationsPage">,
  orderId: string,
): Promise<Notification[]> {
  return readAllPages((after) => store.notificationsPage(orderId, { limit: 1000, cursor: after }));
}
