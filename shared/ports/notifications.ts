import type { Notification } from "../domain/notifications.ts";

/** `in-flight`: another attempt holds a fresh claim and may still be sending. */
export type NotificationClaim = "claimed" | "already-sent" | "in-flight";

/** The emails of each order: claimed before sending, marked sent after (once per event). */
export interface NotificationStore {
  /** Claims the right to send the email identified by `key` (once per event). */
  claimNotification(
    orderId: string,
    key: string,
    draft: Notification,
    at: Date,
  ): Promise<NotificationClaim>;
  /** Records that the provider refused a claimed email; a later attempt may claim it again. */
  markNotificationFailed(
    orderId: string,
    key: string,
    claimedAt: Date,
    reason: string,
  ): Promise<void>;
  markNotificationSent(orderId: string, key: string, messageId: string, at: Date): Promise<void>;
  /** Every email sent for the order, and those that failed, in the order they were made. */
  listNotifications(orderId: string): Promise<Notification[]>;
  /** Notes when the customer was last written to about these lines. */
  touchLastContact(orderId: string, lineIds: string[], at: Date): Promise<void>;
}
