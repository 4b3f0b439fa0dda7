import type { Delivery } from "../../shared/domain/email-feedback.ts";
import {
  EMAIL_CLAIM_LEASE_MS,
  messageKeyOf,
  type Notification,
} from "../../shared/domain/notifications.ts";
import type { NotificationClaim, NotificationStore } from "../../shared/ports/notifications.ts";
import type { Page, PageRequest } from "../../shared/ports/paging.ts";
import { check, type FakeDb, lineKey, pageOf, type StoredNotification } from "./db.ts";

const keyOf = (orderId: string, key: string) => `${orderId}#${key}`;

/** The emails of each order, claimed before sending (dynamodb/notifications.ts). */
export class FakeNotifications implements NotificationStore {
  constructor(private readonly db: FakeDb) {}

  async claimNotification(
    orderId: string,
    key: string,
    draft: Notification,
    at: Date,
  ): Promise<NotificationClaim> {
    let attempt = 0;
    const failed = await this.db.write("notifications.claimNotification", (t) => {
      const existing = t.notifications.get(keyOf(orderId, key));
      // A claim left in "sending" by a crashed attempt may be taken again once stale.
      const staleBefore = new Date(at.getTime() - EMAIL_CLAIM_LEASE_MS).toISOString();
      check(
        !existing ||
          existing.state === "refused" ||
          existing.state === "failed" ||
          (existing.state === "sending" && existing.claimedAt < staleBefore),
        "the email is not claimed",
      );
      const { attempts: _counted, state: _set, ...listed } = draft;
      attempt = (existing?.attempts ?? 0) + 1;
      t.notifications.set(keyOf(orderId, key), {
        ...existing,
        ...listed,
        messageKey: messageKeyOf(orderId, key),
        state: "sending",
        claimedAt: at.toISOString(),
        attempts: attempt,
      });
    });
    if (!failed) return { attempt };
    const state = this.db.tables.notifications.get(keyOf(orderId, key))?.state;
    return state === "sent" ? "already-sent" : "in-flight";
  }

  async renewClaim(orderId: string, key: string, claimedAt: Date, at: Date): Promise<boolean> {
    const failed = await this.db.write("notifications.renewClaim", (t) => {
      const claim = t.notifications.get(keyOf(orderId, key));
      check(claim?.state === "sending", "the email is being sent");
      check(claim.claimedAt === claimedAt.toISOString(), "by this claim");
      claim.claimedAt = at.toISOString();
    });
    return failed === null;
  }

  async releaseNotification(
    orderId: string,
    key: string,
    claimedAt: Date,
    reason: string,
    options: { unsent?: boolean } = {},
  ): Promise<void> {
    await this.db.write("notifications.releaseNotification", (t) => {
      const claim = t.notifications.get(keyOf(orderId, key));
      check(claim?.state === "sending", "the email is being sent");
      check(claim.claimedAt === claimedAt.toISOString(), "by this claim");
      Object.assign(claim, { state: "refused", failure: reason });
      if (options.unsent) claim.attempts = (claim.attempts ?? 1) - 1;
    });
  }

  async markNotificationFailed(
    orderId: string,
    key: string,
    claimedAt: Date,
    reason: string,
  ): Promise<void> {
    await this.db.write("notifications.markNotificationFailed", (t) => {
      const claim = t.notifications.get(keyOf(orderId, key));
      check(claim?.state === "sending", "the email is being sent");
      check(claim.claimedAt === claimedAt.toISOString(), "by this claim");
      Object.assign(claim, { state: "failed", failure: reason });
    });
  }

  async markNotificationSent(
    orderId: string,
    key: string,
    messageId: string,
    at: Date,
  ): Promise<void> {
    await this.db.write("notifications.markNotificationSent", (t) => {
      const claim = t.notifications.get(keyOf(orderId, key));
      check(claim, "the email was claimed");
      Object.assign(claim, { state: "sent", messageId, sentAt: at.toISOString() });
    });
  }

  async markDelivery(orderId: string, messageKey: string, delivery: Delivery): Promise<boolean> {
    const failed = await this.db.write("notifications.markDelivery", (t) => {
      const found = [...t.notifications].find(
        ([key, n]) => key.startsWith(`${orderId}#`) && n.messageKey === messageKey,
      );
      check(found !== undefined, "the order has such an email");
      found[1].delivery = delivery;
    });
    return failed === null;
  }

  async confirmSent(
    orderId: string,
    messageKey: string,
    messageId: string,
    at: Date,
  ): Promise<"confirmed" | "already" | "unknown"> {
    const found = [...this.db.tables.notifications].find(
      ([key, n]) => key.startsWith(`${orderId}#`) && n.messageKey === messageKey,
    );
    if (!found) return "unknown";
    const failed = await this.db.write("notifications.confirmSent", (t) => {
      const claim = t.notifications.get(found[0]);
      check(claim?.state === "sending", "the email is being sent");
      Object.assign(claim, { state: "sent", messageId, sentAt: at.toISOString() });
    });
    return failed === null ? "confirmed" : "already";
  }

  async notificationsPage(orderId: string, request: PageRequest): Promise<Page<Notification>> {
    const listed = await this.listNotifications(orderId);
    return pageOf(`notifications#${orderId}`, listed, (n) => `${n.sentAt}#${n.kind}`, request);
  }

  /** Every email sent or failed for the order, in order (as the DynamoDB adapter's). */
  async listNotifications(orderId: string): Promise<Notification[]> {
    return [...this.db.tables.notifications]
      .filter(
        ([key, n]) => key.startsWith(`${orderId}#`) && (n.state === "sent" || n.state === "failed"),
      )
      .map(([, { kind, to, subject, sentAt, lineIds, state, attempts, delivery }]) => ({
        kind,
        to,
        subject,
        sentAt,
        lineIds: [...lineIds],
        state: state === "failed" ? ("failed" as const) : ("sent" as const),
        attempts,
        ...(delivery ? { delivery } : {}),
      }))
      .sort((a, b) => a.sentAt.localeCompare(b.sentAt));
  }

  async touchLastContact(orderId: string, lineIds: string[], at: Date): Promise<void> {
    for (const lineId of lineIds) {
      // Only forwards: an older send finishing late does not move it back.
      await this.db.write("notifications.touchLastContact", (t) => {
        const line = t.lines.get(lineKey(orderId, lineId));
        check(line && line.lastContactAt < at.toISOString(), "the contact is newer");
        line.lastContactAt = at.toISOString();
      });
    }
  }

  /** The event keys of an order's emails by state (a test's view of the claims). */
  keysOf(orderId: string, state: StoredNotification["state"] = "sent"): string[] {
    return [...this.db.tables.notifications]
      .filter(([key, n]) => key.startsWith(`${orderId}#`) && n.state === state)
      .map(([key]) => key.slice(orderId.length + 1));
  }

  /** An order's email of this kind as stored (claim state, attempts), for tests. */
  stored(orderId: string, kind: string): StoredNotification | undefined {
    return [...this.db.tables.notifications].find(
      ([key, n]) => key.startsWith(`${orderId}#`) && n.kind === kind,
    )?.[1];
  }
}
