import type { Line, Order } from "../domain/model.ts";
import { type NotificationKind, notificationKey } from "../domain/notifications.ts";
import { type EmailContext, renderEmail } from "../emails/render.ts";
import { customerLinks } from "../links/customer-links.ts";
import type { NotifyPorts } from "../ports/app.ts";
import { NotificationInFlightError } from "../workflow/errors.ts";

export type NotifyDeps = NotifyPorts;

const DAY_MS = 86_400_000;

/**
 * Emails the customer about some lines of an order, once per event: the notification is
 * claimed in the store before sending and marked sent after, so a retried step does not
 * send it again. Says `sent`, or why not: `already-sent`, or `in-flight` when another
 * attempt holds a fresh claim (it may yet fail and give the claim back).
 */
export async function notifyCustomer(
  deps: NotifyDeps,
  kind: NotificationKind,
  order: Order,
  lines: Line[],
  occasion = "",
  extra: Pick<EmailContext, "delay"> = {},
): Promise<"sent" | "already-sent" | "in-flight"> {
  const lineIds = lines.map((l) => l.lineId);
  const key = notificationKey(kind, lineIds, occasion);
  const now = deps.clock.now();
  const links = await customerLinks(
    deps.publicBaseUrl,
    await deps.linkSecret(),
    order.orderId,
    new Date(now.getTime() + deps.linkTtlDays * DAY_MS),
  );
  const content = renderEmail(kind, {
    order,
    lines,
    orderUrl: links.order,
    cancelUrl: links.cancelLine,
    consentUrl: links.consentLine,
    ...extra,
  });
  const draft = {
    kind,
    to: order.customer.email,
    subject: content.subject,
    sentAt: now.toISOString(),
    lineIds,
  };
  const claim = await deps.notifications.claimNotification(order.orderId, key, draft, now);
  if (claim !== "claimed") return claim;
  let messageId: string;
  try {
    messageId = await deps.mailer.send({ to: order.customer.email, ...content });
  } catch (error) {
    // Give the claim back only when the email surely did not go (the provider refused it),
    // so a retry can send it at once. After a timeout or a lost connection it may have gone:
    // the claim stays until its lease runs out, rather than risk sending it twice now.
    if (deps.mailer.definitelyNotSent(error)) {
      await deps.notifications.releaseNotification(order.orderId, key, now).catch(() => undefined);
    }
    throw error;
  }
  await deps.notifications.markNotificationSent(order.orderId, key, messageId, now);
  await deps.notifications.touchLastContact(order.orderId, lineIds, now);
  return "sent";
}

/** As notifyCustomer, for a workflow step: while another attempt may still be sending the
 * same email, the step fails with NotificationInFlight and the machine retries it later. */
export async function notifyOnce(
  ...args: Parameters<typeof notifyCustomer>
): Promise<"sent" | "already-sent"> {
  const outcome = await notifyCustomer(...args);
  if (outcome === "in-flight") {
    const [, kind, order] = args;
    throw new NotificationInFlightError(`the ${kind} email of order ${order.orderId} is in flight`);
  }
  return outcome;
}
