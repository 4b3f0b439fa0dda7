import * as z from "zod";

/** The EventBridge source and detail types of SES's sending events the engine listens to. */
export const SES_SOURCE = "aws.ses";
export const FEEDBACK_DETAIL_TYPES = {
  "Email Bounced": "bounced",
  "Email Complaint Received": "complained",
  "Email Rejected": "rejected",
} as const;

/** SES's own word that it took an email (its SEND event): what marks an email sent when
 * the step that sent it died before it could (services/notify.ts). */
export const SENT_DETAIL_TYPE = "Email Sent";

/** Every SES event type the engine's configuration set puts on the bus. */
export const SES_DETAIL_TYPES = [
  "Email Bounced",
  "Email Complaint Received",
  "Email Rejected",
  SENT_DETAIL_TYPE,
] as const satisfies readonly [...(keyof typeof FEEDBACK_DETAIL_TYPES)[], typeof SENT_DETAIL_TYPE];

/** The email tags every send carries (shared/adapters/ses-mailer.ts). */
export const ORDER_ID_TAG = "backorder-order-id";
export const MESSAGE_KEY_TAG = "backorder-message-key";

/** What became of an email after SES accepted it. */
export const deliverySchema = z.object({
  status: z.enum(["bounced", "complained", "rejected"]),
  at: z.string(),
  /** A bounce's type and subtype, a complaint's type, a reject's reason. */
  detail: z.string().optional(),
});
export type Delivery = z.infer<typeof deliverySchema>;

const tagValue = z.array(z.string()).min(1);

/** An SES sending event as EventBridge delivers it (only the fields the engine reads). */
export const feedbackEventSchema = z.object({
  source: z.literal(SES_SOURCE),
  "detail-type": z.enum(SES_DETAIL_TYPES),
  time: z.string(),
  detail: z.object({
    mail: z.object({
      messageId: z.string().optional(),
      tags: z.record(z.string(), z.array(z.string())).default({}),
      destination: z.array(z.string()).default([]),
    }),
    bounce: z.object({ bounceType: z.string(), bounceSubType: z.string().optional() }).optional(),
    complaint: z.object({ complaintFeedbackType: z.string().optional() }).optional(),
    reject: z.object({ reason: z.string().optional() }).optional(),
  }),
});
export type FeedbackEvent = z.infer<typeof feedbackEventSchema>;

/** The email an event is about, and what became of it; null for one of no engine email
 * (untagged) or a bounce SES will try again (transient: the email may yet arrive). */
export function feedbackOf(
  event: FeedbackEvent,
): { orderId: string; messageKey: string; delivery: Delivery } | null {
  const detailType = event["detail-type"];
  if (!(detailType in FEEDBACK_DETAIL_TYPES)) return null;
  const tags = event.detail.mail.tags;
  const orderId = tagValue.safeParse(tags[ORDER_ID_TAG]);
  const messageKey = tagValue.safeParse(tags[MESSAGE_KEY_TAG]);
  if (!orderId.success || !messageKey.success) return null;
  const { bounce, complaint, reject } = event.detail;
  if (bounce && bounce.bounceType !== "Permanent") return null;
  const detail = bounce
    ? [bounce.bounceType, bounce.bounceSubType].filter(Boolean).join(" / ")
    : (complaint?.complaintFeedbackType ?? reject?.reason);
  return {
    orderId: orderId.data[0] as string,
    messageKey: messageKey.data[0] as string,
    delivery: {
      status: FEEDBACK_DETAIL_TYPES[detailType as keyof typeof FEEDBACK_DETAIL_TYPES],
      at: event.time,
      ...(detail ? { detail } : {}),
    },
  };
}

/** The engine's email an SES SEND event says SES took, and the message id it gave it; null
 * for another event, or an email of no engine (untagged). */
export function sentOf(
  event: FeedbackEvent,
): { orderId: string; messageKey: string; messageId: string; at: string } | null {
  if (event["detail-type"] !== SENT_DETAIL_TYPE) return null;
  const { tags, messageId } = event.detail.mail;
  const orderId = tagValue.safeParse(tags[ORDER_ID_TAG]);
  const messageKey = tagValue.safeParse(tags[MESSAGE_KEY_TAG]);
  if (!orderId.success || !messageKey.success || !messageId) return null;
  return {
    orderId: orderId.data[0] as string,
    messageKey: messageKey.data[0] as string,
    messageId,
    at: event.time,
  };
}
