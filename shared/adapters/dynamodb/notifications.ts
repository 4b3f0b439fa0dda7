import type { Delivery } from "../../domain/email-feedback.ts";
import {
  EMAIL_CLAIM_LEASE_MS,
  messageKeyOf,
  type Notification,
  notificationSchema,
} from "../../domain/notifications.ts";
import type { NotificationClaim, NotificationStore } from "../../ports/notifications.ts";
import type { Page, PageRequest } from "../../ports/paging.ts";
import { keys, parseItem, Table } from "./table.ts";

/** The keys that put a sent or failed email on its order's list (gsi1), by when it was sent. */
function listed(orderId: string, key: string, sentAt: string) {
  const { gsi1pk, gsi1sk } = keys.notificationListed(orderId, key, sentAt);
  return { ":listPk": gsi1pk, ":listSk": gsi1sk };
}

/**
 * The emails of each order (sk NOTIF#<event key>), claimed before each send; a sent or
 * failed one is on its order's list (gsi1 `NOTIFS#<orderId>`, by the time it was sent).
 */
export class DynamoDbNotifications implements NotificationStore {
  constructor(private readonly table = new Table()) {}

  async claimNotification(
    orderId: string,
    key: string,
    draft: Notification,
    at: Date,
  ): Promise<NotificationClaim> {
    const { attempts: _counted, state: _set, ...listed } = draft;
    const fields: Record<string, unknown> = {
      type: "notification",
      ...listed,
      messageKey: messageKeyOf(orderId, key),
      state: "sending",
      claimedAt: at.toISOString(),
    };
    const names: Record<string, string> = {};
    const values: Record<string, unknown> = {
      ":one": 1,
      ":refused": "refused",
      ":failed": "failed",
      ":sending": "sending",
      ":staleBefore": new Date(at.getTime() - EMAIL_CLAIM_LEASE_MS).toISOString(),
    };
    const set = Object.entries(fields).map(([field, value], i) => {
      names[`#f${i}`] = field;
      values[`:f${i}`] = value;
      return `#f${i} = :f${i}`;
    });
    const claimed = await this.table.updateReturning(keys.notification(orderId, key), {
      set,
      // A failed email claimed again leaves the order's list until it is sent (or fails).
      remove: ["gsi1pk", "gsi1sk"],
      add: ["attempts :one"],
      // Absent, released (refused) or failed: claimable at once. Left "sending" by an attempt
      // that crashed or could not tell whether it went: once its lease has run out.
      condition: [
        "(attribute_not_exists(pk) OR #s IN (:refused, :failed) OR (#s = :sending AND #c < :staleBefore))",
      ],
      names: { ...names, "#s": "state", "#c": "claimedAt" },
      values,
    });
    if (claimed) return { attempt: Number(claimed.attempts ?? 1) };
    const existing = await this.table.get(keys.notification(orderId, key));
    return existing?.state === "sent" ? "already-sent" : "in-flight";
  }

  renewClaim(orderId: string, key: string, claimedAt: Date, at: Date): Promise<boolean> {
    return this.table.updateIf(keys.notification(orderId, key), {
      set: ["claimedAt = :at"],
      condition: ["#state = :sending", "claimedAt = :claimedAt"],
      names: { "#state": "state" },
      values: {
        ":at": at.toISOString(),
        ":sending": "sending",
        ":claimedAt": claimedAt.toISOString(),
      },
    });
  }

  async releaseNotification(
    orderId: string,
    key: string,
    claimedAt: Date,
    reason: string,
    options: { unsent?: boolean } = {},
  ): Promise<void> {
    await this.table.updateIf(keys.notification(orderId, key), {
      set: ["#state = :refused", "failure = :reason"],
      ...(options.unsent ? { add: ["attempts :minusOne"] } : {}),
      condition: ["#state = :sending", "claimedAt = :claimedAt"],
      names: { "#state": "state" },
      values: {
        ":refused": "refused",
        ":reason": reason,
        ...(options.unsent ? { ":minusOne": -1 } : {}),
        ":sending": "sending",
        ":claimedAt": claimedAt.toISOString(),
      },
    });
  }

  async markNotificationFailed(
    orderId: string,
    key: string,
    claimedAt: Date,
    reason: string,
  ): Promise<void> {
    await this.table.updateIf(keys.notification(orderId, key), {
      set: ["#state = :failed", "failure = :reason", "gsi1pk = :listPk", "gsi1sk = :listSk"],
      condition: ["#state = :sending", "claimedAt = :claimedAt"],
      names: { "#state": "state" },
      values: {
        ":failed": "failed",
        ":reason": reason,
        ":sending": "sending",
        ":claimedAt": claimedAt.toISOString(),
        ...listed(orderId, key, claimedAt.toISOString()),
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
      set: [
        "#state = :sent",
        "messageId = :messageId",
        "sentAt = :at",
        "gsi1pk = :listPk",
        "gsi1sk = :listSk",
      ],
      condition: ["attribute_exists(pk)"],
      names: { "#state": "state" },
      values: {
        ":sent": "sent",
        ":messageId": messageId,
        ":at": at.toISOString(),
        ...listed(orderId, key, at.toISOString()),
      },
    });
  }

  async notificationsPage(orderId: string, request: PageRequest): Promise<Page<Notification>> {
    const partition = keys.notificationListed(orderId, "", "").gsi1pk;
    const page = await this.table.gsi1Page(partition, request);
    return { items: page.items.map((i) => parseItem(notificationSchema, i)), next: page.next };
  }

  /** Every email sent (or failed) for the order, read whole and consistently (for tests and
   * operators; the API pages the list). */
  async listNotifications(orderId: string): Promise<Notification[]> {
    const items = await this.table.queryAll(keys.order(orderId).pk, "NOTIF#");
    return items
      .filter((i) => i.state === "sent" || i.state === "failed")
      .map((i) => parseItem(notificationSchema, i))
      .sort((a, b) => a.sentAt.localeCompare(b.sentAt));
  }

  async markDelivery(orderId: string, messageKey: string, delivery: Delivery): Promise<boolean> {
    // An order has a few emails: its NOTIF# items, read whole, name the one by its key.
    const items = await this.table.queryAll(keys.order(orderId).pk, "NOTIF#");
    const item = items.find((i) => i.messageKey === messageKey);
    if (!item) return false;
    await this.table.updateIf(
      { pk: String(item.pk), sk: String(item.sk) },
      { set: ["delivery = :delivery"], values: { ":delivery": delivery } },
    );
    return true;
  }

  async confirmSent(
    orderId: string,
    messageKey: string,
    messageId: string,
    at: Date,
  ): Promise<"confirmed" | "already" | "unknown"> {
    const items = await this.table.queryAll(keys.order(orderId).pk, "NOTIF#");
    const item = items.find((i) => i.messageKey === messageKey);
    if (!item) return "unknown";
    const key = String(item.sk).slice("NOTIF#".length);
    const marked = await this.table.updateIf(
      { pk: String(item.pk), sk: String(item.sk) },
      {
        set: [
          "#state = :sent",
          "messageId = :messageId",
          "sentAt = :at",
          "gsi1pk = :listPk",
          "gsi1sk = :listSk",
        ],
        condition: ["#state = :sending"],
        names: { "#state": "state" },
        values: {
          ":sent": "sent",
          ":sending": "sending",
          ":messageId": messageId,
          ":at": at.toISOString(),
          ...listed(orderId, key, at.toISOString()),
        },
      },
    );
    return marked ? "confirmed" : "already";
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
