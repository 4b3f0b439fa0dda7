import { z } from "zod";

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
});
export type Notification = z.infer<typeof notificationSchema>;

/**
 * The key that makes an email happen once per event: the same kind for the same lines and
 * the same occasion (e.g. a charge attempt) is never sent twice.
 */
export function notificationKey(kind: NotificationKind, lineIds: string[], occasion = ""): string {
  return [kind, [...lineIds].sort().join("+"), occasion].filter(Boolean).join("#");
}
