import type { Line, Order } from "../domain/model.ts";
import { type NotificationKind, notificationKey } from "../domain/notifications.ts";
import { renderEmail } from "../emails/render.ts";
import type { Clock } from "../ports/clock.ts";
import type { Mailer } from "../ports/mailer.ts";
import type { Store } from "../ports/store.ts";

export interface NotifyDeps {
  store: Store;
  mailer: Mailer;
  clock: Clock;
  publicBaseUrl: string;
}

export function orderPageUrl(publicBaseUrl: string, orderId: string): string {
  return `${publicBaseUrl}/v1/customer/orders/${encodeURIComponent(orderId)}`;
}

/**
 * Emails the customer about some lines of an order, once per event: the notification is
 * claimed in the store before sending and marked sent after, so a retried step does not
 * send it again. Returns false when it had already been sent.
 */
export async function notifyCustomer(
  deps: NotifyDeps,
  kind: NotificationKind,
  order: Order,
  lines: Line[],
  occasion = "",
): Promise<boolean> {
  const lineIds = lines.map((l) => l.lineId);
  const key = notificationKey(kind, lineIds, occasion);
  const content = renderEmail(kind, {
    order,
    lines,
    orderUrl: orderPageUrl(deps.publicBaseUrl, order.orderId),
  });
  const now = deps.clock.now();
  const draft = {
    kind,
    to: order.customer.email,
    subject: content.subject,
    sentAt: now.toISOString(),
    lineIds,
  };
  const claim = await deps.store.claimNotification(order.orderId, key, draft, now);
  if (claim === "already-sent") return false;
  const messageId = await deps.mailer.send({ to: order.customer.email, ...content });
  await deps.store.markNotificationSent(order.orderId, key, messageId, now);
  await deps.store.touchLastContact(order.orderId, lineIds, now);
  return true;
}
