import { refusals } from "../domain/errors.ts";
import type { Line, Order } from "../domain/model.ts";
import type { Notification } from "../domain/notifications.ts";
import type { AppPorts } from "../ports/app.ts";
import type { Page, PageRequest } from "../ports/paging.ts";

/** An order with its lines (oldest first); not-found when there is no such order. */
export async function orderWithLines(
  deps: Pick<AppPorts, "orders">,
  orderId: string,
): Promise<{ order: Order; lines: Line[] }> {
  const [order, lines] = await Promise.all([
    deps.orders.getOrder(orderId),
    deps.orders.listLines(orderId),
  ]);
  if (!order) throw refusals.notFound(`Order ${orderId}`);
  return { order, lines };
}

/** The emails sent for an order (and those that failed), in order, a page at a time. */
export async function orderNotifications(
  deps: Pick<AppPorts, "orders" | "notifications">,
  orderId: string,
  page: PageRequest,
): Promise<Page<Notification>> {
  const [order, notifications] = await Promise.all([
    deps.orders.getOrder(orderId),
    deps.notifications.notificationsPage(orderId, page),
  ]);
  if (!order) throw refusals.notFound(`Order ${orderId}`);
  return notifications;
}
