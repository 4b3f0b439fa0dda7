import { createHash } from "node:crypto";
import * as z from "zod";
import { deliverySchema } from "./email-feedback.ts";

export const NOTIFICATION_KINDS = [
  "backordered",
  "eta_updated",
  "delay_notice",
  "check_in",
  "charged",
  "payment_failed",
  "shipped",
  "delivered",
  "cancelled",
] as const;

export type NotificationKind = (typeof NOTIFICATION_KINDS)[number];

export const notificationSchema = z.object({
  kind: z.enum(NOTIFICATION_KINDS),
  to: z.string(),
  subject: z.string(),
  sentAt: z.string(),
  lineIds: z.array(z.string()),
  /** Listed notifications are `sent`, or `failed` (the provider refused them). */
  state: z.enum(["sent", "failed"]).optional(),
  /** Sends tried so far (each claim is one). */
  attempts: z.number().int().nonnegative().optional(),
  /** Why the provider refused a failed one. */
  failure: z.string().optional(),
  /** The key every send of it carried (messageKeyOf): how SES's feedback finds it. */
  messageKey: z.string().optional(),
  /** What became of it after SES took it: bounced, complained of, rejected. */
  delivery: deliverySchema.optional(),
});
export type Notification = z.infer<typeof notificationSchema>;

/**
 * The key that makes an email happen once per event: the same kind for the same lines and
 * the same occasion (e.g. a charge attempt) is never sent twice.
 */
export function notificationKey(kind: NotificationKind, lineIds: string[], occasion = ""): string {
  return [kind, [...lineIds].sort().join("+"), occasion].filter(Boolean).join("#");
}

/**
 * Longest one send to the mail provider may take: the mailer gives up after it (the SES
 * client's request timeout), so a send that started is over, one way or the other, by then.
 */
export const EMAIL_SEND_TIMEOUT_MS = 10_000;

/**
 * How long a claim on an email keeps every other attempt from sending it: longer than any
 * send can take (three send timeouts: the send, the writes around it, and clocks that
 * differ between functions), so a claim younger than it is never sent again. An attempt
 * whose send may have gone (a timeout, a lost connection) keeps its claim this long.
 */
export const EMAIL_CLAIM_LEASE_MS = 3 * EMAIL_SEND_TIMEOUT_MS;

/**
 * Sends of one email, all attempts together (persisted on the notification), before a
 * workflow step records it failed and goes on without it. The API's quick attempts count
 * too; the line machine retries the rest with back-off (infra/constructs/line-workflow.ts).
 */
export const EMAIL_SEND_ATTEMPTS = 8;

/**
 * The idempotent message key every send of one email carries (SES: a message header and an
 * email tag), so a duplicate after a send whose outcome was unknown can be recognised
 * downstream: derived from the order and the email's event key, URL-safe, 32 characters.
 */
export function messageKeyOf(orderId: string, key: string): string {
  return createHash("sha256").update(`${orderId}\n${key}`).digest("base64url").slice(0, 32);
}
