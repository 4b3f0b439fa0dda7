import type { Line, Order } from "../domain/model.ts";
import { type NotificationKind, notificationKey } from "../domain/notifications.ts";
import { type EmailContext, renderEmail } from "../emails/render.ts";
import { customerLinks } from "../links/customer-links.ts";
import { logger } from "../logger.ts";
import type { NotifyPorts } from "../ports/app.ts";
import { NotificationInFlightError } from "../workflow/errors.ts";

export type NotifyDeps = NotifyPorts;

/** `in-flight`: another attempt (or an ambiguous one of ours) holds a fresh claim;
 * `failed`: the provider refused it every time; it is recorded failed. */
export type NotifyOutcome = "sent" | "already-sent" | "in-flight" | "failed";

/** Sends of one email before it is recorded failed. */
const SEND_ATTEMPTS = 3;

const DAY_MS = 86_400_000;

/**
 * Emails the customer about some lines of an order, once per event: the notification is
 * claimed in the store before sending and marked sent after, so a retried step does not
 * send it again. Says `sent`, or why not: `already-sent`, or `in-flight` when another
 * attempt holds a fresh claim, or `failed` when the provider kept refusing it. An email
 * never fails its caller: a failed one is recorded (and listed) and sent by a later step.
 */
export async function notifyCustomer(
  deps: NotifyDeps,
  kind: NotificationKind,
  order: Order,
  lines: Line[],
  occasion = "",
  extra: Pick<EmailContext, "delay"> = {},
): Promise<NotifyOutcome> {
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
  for (let attempt = 1; ; attempt++) {
    let messageId: string;
    try {
      messageId = await deps.mailer.send({ to: order.customer.email, ...content });
    } catch (error) {
      // After a timeout or a lost connection it may have gone: the claim stays until its
      // lease runs out (then a later attempt sends it), rather than risk sending it twice.
      if (!deps.mailer.definitelyNotSent(error)) return "in-flight";
      // Refused or throttled: it surely did not go. Try again, then record it failed
      // (listed, and sent by the next step that owes it); the line goes on either way.
      if (attempt < SEND_ATTEMPTS) {
        await new Promise((r) => setTimeout(r, Math.random() * 50 * 2 ** attempt));
        continue;
      }
      const reason = error instanceof Error ? error.name : "send failed";
      await deps.notifications.markNotificationFailed(order.orderId, key, now, reason);
      logger.warn("email not sent; recorded as failed", { orderId: order.orderId, kind, reason });
      return "failed";
    }
    await deps.notifications.markNotificationSent(order.orderId, key, messageId, now);
    await deps.notifications.touchLastContact(order.orderId, lineIds, now);
    return "sent";
  }
}

/** As notifyCustomer, for a workflow step: while another attempt may still be sending the
 * same email, the step fails with NotificationInFlight and the machine retries it later. */
export async function notifyOnce(
  ...args: Parameters<typeof notifyCustomer>
): Promise<Exclude<NotifyOutcome, "in-flight">> {
  const outcome = await notifyCustomer(...args);
  if (outcome === "in-flight") {
    const [, kind, order] = args;
    throw new NotificationInFlightError(`the ${kind} email of order ${order.orderId} is in flight`);
  }
  return outcome;
}
