import { refusals } from "../domain/errors.ts";
import type { Line, Order } from "../domain/model.ts";
import type { Notification } from "../domain/notifications.ts";
import type { AppPorts } from "../ports/app.ts";

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

/** Every email sent for an order, in order. */
export async function orderNotifications(
  deps: Pick<AppPorts, "orders" | "notifications">,
  orderId: string,
): Promise<Notification[]> {
  const [order, notifications] = await Promise.all([
    deps.orders.getOrder(orderId),
    deps.notifications.listNotifications(orderId),
  ]);
  if (!order) throw refusals.notFound(`Order ${orderId}`);
  return notifications;
}
