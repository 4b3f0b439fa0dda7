import { describe, expect, it } from "vitest";
import { NOTIFICATION_KINDS, notificationKey } from "../../shared/domain/notifications.ts";
import { notificationsView } from "../../shared/http/views.ts";

describe("notificationKey", () => {
  it("does not depend on the order of the line ids", () => {
    expect(notificationKey("shipped", ["b", "c", "a"])).toBe(
      notificationKey("shipped", ["a", "b", "c"]),
    );
    expect(notificationKey("charged", ["l2", "l1"], "attempt-1")).toBe(
      notificationKey("charged", ["l1", "l2"], "attempt-1"),
    );
  });

  it("does not reorder the caller's array", () => {
    const ids = ["b", "a"];
    notificationKey("shipped", ids);
    expect(ids).toEqual(["b", "a"]);
  });

  it("differs by occasion", () => {
    const first = notificationKey("payment_failed", ["l1"], "attempt-1");
    const second = notificationKey("payment_failed", ["l1"], "attempt-2");
    const none = notificationKey("payment_failed", ["l1"]);
    expect(new Set([first, second, none]).size).toBe(3);
  });

  it("differs by kind and by lines", () => {
    const keys = NOTIFICATION_KINDS.map((kind) => notificationKey(kind, ["l1"]));
    expect(new Set(keys).size).toBe(NOTIFICATION_KINDS.length);
    expect(notificationKey("shipped", ["l1"])).not.toBe(notificationKey("shipped", ["l1", "l2"]));
    expect(notificationKey("shipped", ["l1"])).not.toBe(notificationKey("shipped", ["l2"]));
  });

  it("is the same for the same event", () => {
    expect(notificationKey("delay_notice", ["l1"], "2026-03-05")).toBe(
      notificationKey("delay_notice", ["l1"], "2026-03-05"),
    );
  });
});

describe("notificationsView", () => {
  const n = (kind: "charged" | "shipped", state?: "sent" | "failed") => ({
    kind,
    to: "ada@example.com",
    subject: kind,
    sentAt: "2026-11-24T10:00:00.000Z",
    lineIds: ["ln_1"],
    ...(state ? { state } : {}),
  });

  it("lists the sent emails as the contract says, and failed ones apart only when there are some", () => {
    expect(notificationsView({ items: [n("charged", "sent")], next: null })).toEqual({
      notifications: [{ ...n("charged") }],
      nextCursor: null,
    });
    const view = notificationsView({
      items: [
        { ...n("charged", "failed"), attempts: 8 },
        { ...n("shipped", "sent"), attempts: 2 },
      ],
      next: "abc",
    });
    expect(view.nextCursor).toBe("abc");
    expect(view.notifications.map((x) => x.kind)).toEqual(["shipped"]);
    expect(view.failed).toEqual([{ ...n("charged"), attempts: 8 }]);
    expect(view.notifications[0]).not.toHaveProperty("state");
    expect(view.notifications[0]).not.toHaveProperty("attempts");
  });
});
