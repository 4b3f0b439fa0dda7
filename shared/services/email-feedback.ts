import { type FeedbackEvent, feedbackOf } from "../domain/email-feedback.ts";
import { logger } from "../logger.ts";
import type { AppPorts } from "../ports/app.ts";

export type FeedbackOutcome = "marked" | "not-ours" | "transient" | "unknown-email";

/**
 * An SES bounce, complaint or reject of an email the engine sent: the email is marked on
 * its order (the operator's console and the line's timeline show it). SES itself puts a
 * bounced or complaining address on the suppression list (the configuration set says so),
 * so nothing more is sent to it. A soft bounce, which SES retries, changes nothing.
 */
export async function recordEmailFeedback(
  deps: Pick<AppPorts, "notifications">,
  event: FeedbackEvent,
): Promise<FeedbackOutcome> {
  const feedback = feedbackOf(event);
  if (!feedback) {
    const tagged = Object.keys(event.detail.mail.tags).some((t) => t.startsWith("backorder-"));
    return tagged ? "transient" : "not-ours";
  }
  const { orderId, messageKey, delivery } = feedback;
  const marked = await deps.notifications.markDelivery(orderId, messageKey, delivery);
  if (!marked) logger.warn("email feedback for an email the order does not have", { orderId });
  return marked ? "marked" : "unknown-email";
}
