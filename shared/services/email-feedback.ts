import { type FeedbackEvent, feedbackOf, sentOf } from "../domain/email-feedback.ts";
import { logger } from "../logger.ts";
import type { AppPorts } from "../ports/app.ts";

export type FeedbackOutcome =
  | "marked"
  | "confirmed"
  | "already-marked"
  | "not-ours"
  | "transient"
  | "unknown-email";

/**
 * SES's word that it took an email (SEND), or an SES bounce, complaint or reject of an email the engine sent: the email is marked on
 * its order (the operator's console and the line's timeline show it). SES itself puts a
 * bounced or complaining address on the suppression list (the configuration set says so),
 * so nothing more is sent to it. A soft bounce, which SES retries, changes nothing.
 */
export async function recordEmailFeedback(
  deps: Pick<AppPorts, "notifications">,
  event: FeedbackEvent,
): Promise<FeedbackOutcome> {
  const sent = sentOf(event);
  if (sent) {
    // SES took it: an email whose sender died before marking it is marked here, so the
    // step that owes it finds it sent instead of sending it again.
    const outcome = await deps.notifications.confirmSent(
      sent.orderId,
      sent.messageKey,
      sent.messageId,
      new Date(sent.at),
    );
    if (outcome === "unknown") {
      logger.warn("SES sent an email the order does not have", { orderId: sent.orderId });
    }
    return outcome === "confirmed"
      ? "confirmed"
      : outcome === "already"
        ? "already-marked"
        : "unknown-email";
  }
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
