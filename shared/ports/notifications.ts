import type { Delivery } from "../domain/email-feedback.ts";
import type { Notification } from "../domain/notifications.ts";
import type { Page, PageRequest } from "./paging.ts";

/** A claim this attempt holds: its send is the `attempt`-th of the email (all attempts). */
export interface ClaimedNotification {
  attempt: number;
}

/** `claimed`, or why not: `already-sent`, or `in-flight` while another attempt holds a claim
 * younger than the lease (EMAIL_CLAIM_LEASE_MS) and may still be sending. */
export type NotificationClaim = ClaimedNotification | "already-sent" | "in-flight";

/**
 * The emails of each order: claimed before each send (counting the sends), marked sent
 * after, so an email goes once per event. A claim is `sending` until it is marked sent,
 * released (`refused`: the provider refused it; claimable at once), or recorded `failed`
 * (listed; claimable at once by a step that owes it); a claim left `sending` is claimable
 * once its lease has run out.
 */
export interface NotificationStore {
  /** Claims the right to send the email identified by `key` (once per event) and counts the
   * send it is for. */
  claimNotification(
    orderId: string,
    key: string,
    draft: Notification,
    at: Date,
  ): Promise<NotificationClaim>;
  /**
   * Moves a claim's start to `at`, if it is still this one (made at `claimedAt`): a sender
   * that waited long for its turn renews its lease before it sends, and does not send when
   * another attempt took the claim over meanwhile (false).
   */
  renewClaim(orderId: string, key: string, claimedAt: Date, at: Date): Promise<boolean>;
  /** The provider refused the send of this claim (made `at` claimedAt): the email is owed
   * still, and may be claimed again at once. `unsent`: the claim did not send at all (its
   * turn at the email rate is later), so its send is not counted. */
  releaseNotification(
    orderId: string,
    key: string,
    claimedAt: Date,
    reason: string,
    options?: { unsent?: boolean },
  ): Promise<void>;
  /** Records that the provider refused a claimed email for good (listed under failed); a
   * later step that owes it may claim it again. */
  markNotificationFailed(
    orderId: string,
    key: string,
    claimedAt: Date,
    reason: string,
  ): Promise<void>;
  markNotificationSent(orderId: string, key: string, messageId: string, at: Date): Promise<void>;
  /** The emails sent for the order, and those that failed, in the order they were sent
   * (a failed one by when its last send was tried), a page at a time. */
  notificationsPage(orderId: string, page: PageRequest): Promise<Page<Notification>>;
  /** Records what became of a sent email after the provider took it (SES's bounce,
   * complaint or reject), found by its message key; false when the order has no such email. */
  markDelivery(orderId: string, messageKey: string, delivery: Delivery): Promise<boolean>;
  /**
   * SES says it took the email with this message key: an email still `sending` (its sender
   * may have died between the send and its mark) is marked sent, so no later attempt sends
   * it again. `confirmed`; `already` when it was marked (by its sender, or an earlier
   * event); `unknown` when the order has no such email.
   */
  confirmSent(
    orderId: string,
    messageKey: string,
    messageId: string,
    at: Date,
  ): Promise<"confirmed" | "already" | "unknown">;
  /** Notes when the customer was last written to about these lines. */
  touchLastContact(orderId: string, lineIds: string[], at: Date): Promise<void>;
}
