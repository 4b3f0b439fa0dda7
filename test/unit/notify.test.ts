import { describe, expect, it } from "vitest";
import { sesMailer } from "../../shared/adapters/ses-mailer.ts";
import type { Line, Order } from "../../shared/domain/model.ts";
import type { Mailer, OutgoingEmail } from "../../shared/ports/mailer.ts";
import type { NotificationClaim, NotificationStore } from "../../shared/ports/notifications.ts";
import { notifyCustomer } from "../../shared/services/notify.ts";

const NOW = new Date("2026-11-24T10:00:00Z");
const order = {
  orderId: "ord_1",
  orderRef: "SHOP-1",
  customer: { email: "ada@example.com", name: "Ada" },
} as Order;
const line = { lineId: "ln_1", lineRef: "1", sku: "W", qty: 1, status: "backordered" } as Line;

/** Just the notification part of a store, in memory. */
function fakeStore() {
  const claims = new Map<string, "sending" | "sent">();
  const calls: string[] = [];
  const store = {
    async claimNotification(_o: string, key: string): Promise<NotificationClaim> {
      const state = claims.get(key);
      if (state === "sent") return "already-sent";
      if (state === "sending") return "in-flight";
      claims.set(key, "sending");
      return "claimed";
    },
    async markNotificationSent(_o: string, key: string) {
      claims.set(key, "sent");
    },
    async releaseNotification(_o: string, key: string) {
      calls.push(`release ${key}`);
      claims.delete(key);
    },
    async touchLastContact() {},
  } as unknown as NotificationStore;
  return { store, claims, calls };
}

function mailer(fail?: unknown): Mailer & { sent: OutgoingEmail[] } {
  const sent: OutgoingEmail[] = [];
  return {
    sent,
    async send(email) {
      if (fail) throw fail;
      sent.push(email);
      return `msg-${sent.length}`;
    },
    definitelyNotSent: sesMailer.definitelyNotSent,
  };
}

const deps = (store: NotificationStore, m: Mailer) => ({
  notifications: store,
  mailer: m,
  clock: { now: () => NOW },
  publicBaseUrl: "https://shop.example",
  linkSecret: async () => "a-secret-of-enough-length",
  linkTtlDays: 90,
});

describe("notifyCustomer", () => {
  it("sends once per event", async () => {
    const { store } = fakeStore();
    const m = mailer();
    expect(await notifyCustomer(deps(store, m), "backordered", order, [line])).toBe("sent");
    expect(await notifyCustomer(deps(store, m), "backordered", order, [line])).toBe("already-sent");
    expect(m.sent).toHaveLength(1);
    expect(m.sent[0]?.text).toContain("https://shop.example/v1/customer/orders/ord_1?token=");
  });

  it("gives the claim back when SES refused the email, so a retry sends it", async () => {
    const { store, calls } = fakeStore();
    const refused = Object.assign(new Error("MessageRejected"), {
      $metadata: { httpStatusCode: 400 },
    });
    await expect(
      notifyCustomer(deps(store, mailer(refused)), "backordered", order, [line]),
    ).rejects.toThrow("MessageRejected");
    expect(calls).toHaveLength(1);
    const m = mailer();
    expect(await notifyCustomer(deps(store, m), "backordered", order, [line])).toBe("sent");
    expect(m.sent).toHaveLength(1);
  });

  it("keeps the claim when the send may have gone (timeout, connection lost)", async () => {
    const { store, calls } = fakeStore();
    const timeout = Object.assign(new Error("socket hang up"), { name: "TimeoutError" });
    await expect(
      notifyCustomer(deps(store, mailer(timeout)), "backordered", order, [line]),
    ).rejects.toThrow();
    expect(calls).toEqual([]);
    expect(await notifyCustomer(deps(store, mailer()), "backordered", order, [line])).toBe(
      "in-flight",
    );
  });
});
