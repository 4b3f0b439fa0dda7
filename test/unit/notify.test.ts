import { describe, expect, it } from "vitest";
import { sesMailer } from "../../shared/adapters/ses-mailer.ts";
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

  it("keeps the claim when the send may have gone, until its lease runs out", async () => {
    const { f, order, line, notify } = await backorderedLine();
    f.mailer.timeOutNext();
    expect(await notify()).toBe("in-flight");
    expect(f.notifications.keysOf(order.orderId, "sending")).toHaveLength(1);

    expect(await notify()).toBe("in-flight");
    // A workflow step fails instead, to be retried later.
    await expect(notifyOnce(f.notify, "backordered", order, [line])).rejects.toMatchObject({
      name: "NotificationInFlight",
    });

    f.clock.advance({ minutes: 3 });
    expect(await notify()).toBe("sent");
    expect(f.mailer.sent).toHaveLength(1);
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
