import { describe, expect, it } from "vitest";
import { sesMailer } from "../../shared/adapters/ses-mailer.ts";
import {
  EMAIL_CLAIM_LEASE_MS,
  EMAIL_SEND_ATTEMPTS,
  messageKeyOf,
  notificationKey,
} from "../../shared/domain/notifications.ts";
import { notifyCustomer, notifyOnce } from "../../shared/services/notify.ts";
import { fakePorts, PUBLIC_BASE_URL } from "../fakes/index.ts";

async function backorderedLine() {
  const f = fakePorts();
  await f.given.sku("W");
  const { order, line } = await f.given.order([{ sku: "W", qty: 1 }]);
  const notify = () => notifyCustomer(f.notify, "backordered", order, [line]);
  return { f, order, line, notify };
}

describe("notifyCustomer", () => {
  it("sends once per event, and notes when the customer was written to", async () => {
    const { f, order, line, notify } = await backorderedLine();
    f.clock.advance({ minutes: 1 });

    expect(await notify()).toBe("sent");
    expect(await notify()).toBe("already-sent");

    expect(f.mailer.sent).toHaveLength(1);
    expect(f.mailer.sent[0]?.to).toBe(order.customer.email);
    expect(f.mailer.sent[0]?.text).toContain(
      `${PUBLIC_BASE_URL}/v1/customer/orders/${order.orderId}?token=`,
    );
    expect(await f.given.emails(order.orderId)).toEqual(["backordered"]);
    expect((await f.given.line(line)).lastContactAt).toBe(f.clock.now().toISOString());
  });

  it("tries a refused email again at once, and sends it when the provider takes it", async () => {
    const { f, order, notify } = await backorderedLine();
    f.mailer.refuseNext();
    expect(await notify()).toBe("sent");
    expect(f.mailer.sent).toHaveLength(1);
    expect(await f.given.emails(order.orderId)).toEqual(["backordered"]);
  });

  it("records an email the provider keeps refusing as failed, listed, and never fails its caller", async () => {
    const { f, order, notify } = await backorderedLine();
    f.mailer.refuseNext();
    f.mailer.refuseNext();
    f.mailer.refuseNext();
    expect(await notify()).toBe("failed");
    expect(f.mailer.sent).toHaveLength(0);
    expect(await f.notifications.listNotifications(order.orderId)).toEqual([
      expect.objectContaining({ kind: "backordered", state: "failed" }),
    ]);
    // The next step that owes it sends it.
    expect(await notify()).toBe("sent");
    expect(f.mailer.sent).toHaveLength(1);
    expect(await f.notifications.listNotifications(order.orderId)).toEqual([
      expect.objectContaining({ kind: "backordered", state: "sent" }),
    ]);
  });

  it("keeps the claim when the send may have gone, and sends it again only once its lease has run out", async () => {
    const { f, order, line, notify } = await backorderedLine();
    f.mailer.timeOutNext();
    expect(await notify()).toBe("in-flight");
    expect(f.notifications.keysOf(order.orderId, "sending")).toHaveLength(1);

    expect(await notify()).toBe("in-flight");
    // A workflow step fails instead, to be retried later.
    await expect(notifyOnce(f.notify, "backordered", order, [line])).rejects.toMatchObject({
      name: "NotificationInFlight",
    });
    f.clock.advance({ ms: EMAIL_CLAIM_LEASE_MS });
    expect(await notify()).toBe("in-flight");
    expect(f.mailer.tried).toHaveLength(1);

    f.clock.advance({ ms: 1 });
    expect(await notify()).toBe("sent");
    expect(f.mailer.sent).toHaveLength(1);
  });

  it("sends each email with its idempotent message key: the same on every send, another for another event", async () => {
    const { f, order, line, notify } = await backorderedLine();
    f.mailer.refuseNext();
    expect(await notify()).toBe("sent");
    await notifyCustomer(f.notify, "delivered", order, [line], "shp_1");
    const key = messageKeyOf(order.orderId, notificationKey("backordered", [line.lineId]));
    expect(key).toMatch(/^[A-Za-z0-9_-]{32}$/);
    expect(f.mailer.tried.map((e) => e.messageKey)).toEqual([
      key,
      key,
      messageKeyOf(order.orderId, notificationKey("delivered", [line.lineId], "shp_1")),
    ]);
    expect(new Set(f.mailer.tried.map((e) => e.messageKey)).size).toBe(2);
  });
});

describe("notifyOnce (in a workflow step)", () => {
  it("fails the step retryably when the send is throttled: the send is counted, the claim released", async () => {
    const { f, order, line } = await backorderedLine();
    const once = () => notifyOnce(f.notify, "backordered", order, [line]);
    f.mailer.throttleNext();
    await expect(once()).rejects.toMatchObject({ name: "EmailNotSent" });
    expect(f.notifications.stored(order.orderId, "backordered")).toMatchObject({
      state: "refused",
      attempts: 1,
      failure: "TooManyRequestsException",
    });
    // Not listed: it is owed still, neither sent nor failed.
    expect(await f.notifications.listNotifications(order.orderId)).toEqual([]);
    // Released: the machine's retry claims it at once and sends it.
    expect(await once()).toBe("sent");
    expect(f.notifications.stored(order.orderId, "backordered")).toMatchObject({
      state: "sent",
      attempts: 2,
    });
  });

  it("records the email failed once its sends reach the limit, and lets the step go on", async () => {
    const { f, order, line } = await backorderedLine();
    const once = () => notifyOnce(f.notify, "backordered", order, [line]);
    f.mailer.throttleNext(EMAIL_SEND_ATTEMPTS);
    for (let send = 1; send < EMAIL_SEND_ATTEMPTS; send++) {
      await expect(once()).rejects.toMatchObject({ name: "EmailNotSent" });
    }
    expect(await once()).toBe("failed");
    expect(await f.notifications.listNotifications(order.orderId)).toEqual([
      expect.objectContaining({
        kind: "backordered",
        state: "failed",
        attempts: EMAIL_SEND_ATTEMPTS,
      }),
    ]);
    // A later step that owes it tries it once more, and goes on if it fails again.
    f.mailer.throttleNext();
    expect(await once()).toBe("failed");
    expect(await once()).toBe("sent");
  });

  it("counts the API's quick sends toward the limit", async () => {
    const { f, order, line, notify } = await backorderedLine();
    f.mailer.throttleNext(3);
    expect(await notify()).toBe("failed");
    expect(f.notifications.stored(order.orderId, "backordered")?.attempts).toBe(3);
    f.mailer.throttleNext(EMAIL_SEND_ATTEMPTS - 3);
    const once = () => notifyOnce(f.notify, "backordered", order, [line]);
    for (let send = 4; send < EMAIL_SEND_ATTEMPTS; send++) {
      await expect(once()).rejects.toMatchObject({ name: "EmailNotSent" });
    }
    expect(await once()).toBe("failed");
  });
});

describe("sesMailer.definitelyNotSent", () => {
  it("tells a refusal (a 4xx answer) from a send that may have gone", () => {
    const refused = Object.assign(new Error("MessageRejected"), {
      $metadata: { httpStatusCode: 400 },
    });
    const timeout = Object.assign(new Error("socket hang up"), { name: "TimeoutError" });
    const unavailable = Object.assign(new Error("ServiceUnavailable"), {
      $metadata: { httpStatusCode: 503 },
    });
    expect(sesMailer.definitelyNotSent(refused)).toBe(true);
    expect(sesMailer.definitelyNotSent(timeout)).toBe(false);
    expect(sesMailer.definitelyNotSent(unavailable)).toBe(false);
  });
});
