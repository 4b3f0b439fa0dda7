import { type Notification, notificationSchema } from "../../domain/notifications.ts";
import type { NotificationClaim, NotificationStore } from "../../ports/notifications.ts";
import { keys, parseItem, Table } from "./table.ts";

/** How long a claimed-but-unsent email blocks another attempt. */
const CLAIM_LEASE_MS = 2 * 60_000;

/** The emails of each order (sk NOTIF#<event key>), claimed before sending. */
export class DynamoDbNotifications implements NotificationStore {
  constructor(private readonly table = new Table()) {}

  async claimNotification(
    orderId: string,
    key: string,
    draft: Notification,
    at: Date,
  ): Promise<NotificationClaim> {
    const claimed = await this.table.putIf(
      {
        ...keys.notification(orderId, key),
        type: "notification",
        state: "sending",
        claimedAt: at.toISOString(),
        ...draft,
      },
      // A claim left in "sending" by a crashed attempt may be taken again once stale; a
      // failed one at once.
      "attribute_not_exists(pk) OR (#state = :sending AND claimedAt < :staleBefore) OR #state = :failed",
      {
        ":sending": "sending",
        ":failed": "failed",
        ":staleBefore": new Date(at.getTime() - CLAIM_LEASE_MS).toISOString(),
      },
      { "#state": "state" },
    );
    if (claimed) return "claimed";
    const existing = await this.table.get(keys.notification(orderId, key));
    return existing?.state === "sent" ? "already-sent" : "in-flight";
  }

  async markNotificationFailed(
    orderId: string,
    key: string,
    claimedAt: Date,
    reason: string,
  ): Promise<void> {
    await this.table.updateIf(keys.notification(orderId, key), {
      set: ["#state = :failed", "failure = :reason"],
      condition: ["#state = :sending", "claimedAt = :claimedAt"],
      names: { "#state": "state" },
      values: {
        ":failed": "failed",
        ":reason": reason,
        ":sending": "sending",
        ":claimedAt": claimedAt.toISOString(),
      },
    });
  }

  async markNotificationSent(
    orderId: string,
    key: string,
    messageId: string,
    at: Date,
  ): Promise<void> {
    await this.table.updateIf(keys.notification(orderId, key), {
      set: ["#state = :sent", "messageId = :messageId", "sentAt = :at"],
      condition: ["attribute_exists(pk)"],
      names: { "#state": "state" },
      values: { ":sent": "sent", ":messageId": messageId, ":at": at.toISOString() },
    });
  }

  async listNotifications(orderId: string): Promise<Notification[]> {
    const items = await this.table.queryAll(keys.order(orderId).pk, "NOTIF#");
    return items
      .filter((i) => i.state === "sent" || i.state === "failed")
      .map((i) => parseItem(notificationSchema, i))
      .sort((a, b) => a.sentAt.localeCompare(b.sentAt));
  }

  async touchLastContact(orderId: string, lineIds: string[], at: Date): Promise<void> {
    for (const lineId of lineIds) {
      // Only forwards: an older send finishing late does not move it back.
      await this.table.updateIf(keys.line(orderId, lineId), {
        set: ["lastContactAt = :at"],
        condition: ["attribute_exists(pk)", "lastContactAt < :at"],
        values: { ":at": at.toISOString() },
      });
    }
  }
}
