import { describe, expect, it } from "vitest";
import { sentEvent, simulatorFeedback } from "../../infra/local/ses-front.ts";
import {
  type FeedbackEvent,
  feedbackEventSchema,
  feedbackOf,
} from "../../shared/domain/email-feedback.ts";
import { EMAIL_CLAIM_LEASE_MS, messageKeyOf } from "../../shared/domain/notifications.ts";
import { lineTimeline } from "../../shared/domain/timeline.ts";
import { recordEmailFeedback } from "../../shared/services/email-feedback.ts";
import { notifyCustomer, notifyOnce } from "../../shared/services/notify.ts";
import { fakePorts } from "../fakes/index.ts";

/** SES's event for a send with these tags, as the local SES's mailbox simulator makes it
 * (the shape SES puts on EventBridge). */
function sesEvent(to: string, tags: Record<string, string>): FeedbackEvent {
  const event = simulatorFeedback(
    {
      FromEmailAddress: "orders@shop.example",
      Destination: { ToAddresses: [to] },
      ConfigurationSetName: "backorder-dev-email",
      EmailTags: Object.entries(tags).map(([Name, Value]) => ({ Name, Value })),
    },
    "msg-1",
    new Date("2026-11-24T10:05:00.000Z"),
  );
  return feedbackEventSchema.parse(event);
}

describe("SES feedback", () => {
  it("reads a permanent bounce, a complaint and a reject; not a soft bounce or an untagged email", () => {
    const tags = { "backorder-order-id": "ord_1", "backorder-message-key": "k1" };
    expect(feedbackOf(sesEvent("bounce@simulator.amazonses.com", tags))).toEqual({
      orderId: "ord_1",
      messageKey: "k1",
      delivery: {
        status: "bounced",
        at: "2026-11-24T10:05:00.000Z",
        detail: "Permanent / General",
      },
    });
    expect(feedbackOf(sesEvent("complaint@simulator.amazonses.com", tags))?.delivery).toMatchObject(
      { status: "complained", detail: "abuse" },
    );
    const bounce = sesEvent("bounce@simulator.amazonses.com", tags);
    const soft = {
      ...bounce,
      detail: {
        ...bounce.detail,
        bounce: { bounceType: "Transient", bounceSubType: "MailboxFull" },
      },
    };
    expect(feedbackOf(soft)).toBeNull();
    const rejected = feedbackEventSchema.parse({
      ...bounce,
      "detail-type": "Email Rejected",
      detail: { mail: bounce.detail.mail, reject: { reason: "Bad content" } },
    });
    expect(feedbackOf(rejected)?.delivery).toMatchObject({
      status: "rejected",
      detail: "Bad content",
    });
    expect(feedbackOf(sesEvent("bounce@simulator.amazonses.com", {}))).toBeNull();
    // The simulator answers only its own addresses, and only for a configuration set.
    expect(
      simulatorFeedback(
        { Destination: { ToAddresses: ["ada@example.com"] }, ConfigurationSetName: "x" },
        "m",
        new Date(),
      ),
    ).toBeNull();
  });

  it("marks the email on its order, once found by its key; the line's timeline shows it", async () => {
    const f = fakePorts();
    await f.given.sku("W", { backorder: { leadTimeDays: 5 } });
    const { order, line } = await f.given.order([{ sku: "W", qty: 1 }]);
    await notifyCustomer(f.notify, "backordered", order, [line]);
    const [sent] = f.mailer.sent;
    expect(sent).toBeDefined();
    const tags = {
      "backorder-order-id": order.orderId,
      "backorder-message-key": sent?.messageKey ?? "",
    };
    const event = sesEvent("bounce@simulator.amazonses.com", tags);
    expect(await recordEmailFeedback(f, event)).toBe("marked");

    const [listed] = await f.notifications.listNotifications(order.orderId);
    expect(listed?.delivery).toMatchObject({ status: "bounced" });
    const emails = lineTimeline(await f.given.line(line), [listed as never], []).filter(
      (e) => e.kind === "email",
    );
    expect(emails[0]).toMatchObject({ delivery: { status: "bounced" } });

    const other = { ...tags, "backorder-message-key": messageKeyOf(order.orderId, "nope") };
    expect(await recordEmailFeedback(f, sesEvent("bounce@simulator.amazonses.com", other))).toBe(
      "unknown-email",
    );
    expect(await recordEmailFeedback(f, sesEvent("bounce@simulator.amazonses.com", {}))).toBe(
      "not-ours",
    );
  });
});

describe("SES's SEND event", () => {
  /** A step that sends and dies before it marks the email sent (a crash, a kill). */
  async function sentThenDied() {
    const f = fakePorts();
    await f.given.sku("W", { backorder: { leadTimeDays: 5 } });
    const { order, line } = await f.given.order([{ sku: "W", qty: 1 }]);
    const mark = f.notifications.markNotificationSent;
    f.notifications.markNotificationSent = async () => {
      throw new Error("the function died here");
    };
    await expect(notifyOnce(f.notify, "backordered", order, [line])).rejects.toThrow(/died/);
    f.notifications.markNotificationSent = mark;
    expect(f.mailer.sent).toHaveLength(1);
    expect(f.notifications.stored(order.orderId, "backordered")).toMatchObject({
      state: "sending",
    });
    const [mail] = f.mailer.sent;
    const event = feedbackEventSchema.parse(
      sentEvent(
        {
          FromEmailAddress: "orders@shop.example",
          Destination: { ToAddresses: [order.customer.email] },
          ConfigurationSetName: "backorder-dev-email",
          EmailTags: [
            { Name: "backorder-order-id", Value: order.orderId },
            { Name: "backorder-message-key", Value: mail?.messageKey ?? "" },
          ],
        },
        "ses-msg-1",
        f.clock.now(),
      ),
    );
    return { f, order, line, event };
  }

  it("marks an email its sender never marked sent, so the step's retry does not send it again", async () => {
    const { f, order, line, event } = await sentThenDied();
    expect(await recordEmailFeedback(f, event)).toBe("confirmed");
    expect(f.notifications.stored(order.orderId, "backordered")).toMatchObject({
      state: "sent",
      messageId: "ses-msg-1",
    });
    // The step's retry, after the claim's lease: nothing goes twice.
    f.clock.advance({ ms: EMAIL_CLAIM_LEASE_MS + 1 });
    expect(await notifyOnce(f.notify, "backordered", order, [line])).toBe("already-sent");
    expect(f.mailer.sent).toHaveLength(1);
    // A second delivery of the event changes nothing.
    expect(await recordEmailFeedback(f, event)).toBe("already-marked");
  });

  it("is what stands between a sender's death and a second email (without it, the lease runs out and the email goes again)", async () => {
    const { f, order, line } = await sentThenDied();
    f.clock.advance({ ms: EMAIL_CLAIM_LEASE_MS + 1 });
    expect(await notifyOnce(f.notify, "backordered", order, [line])).toBe("sent");
    expect(f.mailer.sent).toHaveLength(2);
  });
});

describe("a sender whose turn came late", () => {
  it("does not send once another attempt took its claim over while it waited; that one sends, once", async () => {
    const f = fakePorts();
    await f.given.sku("W", { backorder: { leadTimeDays: 5 } });
    const { order, line } = await f.given.order([{ sku: "W", qty: 1 }]);
    const reserve = f.rates.reserve.bind(f.rates);
    let competed = false;
    // While the first attempt waits for its turn at the email rate, time passes beyond its
    // claim's lease (a busy rate; on the local stack, the clock moved), and another attempt
    // (the step's retry) takes the claim over and sends.
    f.rates.reserve = async (...args) => {
      if (!competed) {
        competed = true;
        f.clock.advance({ ms: EMAIL_CLAIM_LEASE_MS + 1 });
        f.rates.reserve = reserve;
        expect(await notifyOnce(f.notify, "backordered", order, [line])).toBe("sent");
      }
      return reserve(...args);
    };
    await expect(notifyOnce(f.notify, "backordered", order, [line])).rejects.toMatchObject({
      name: "NotificationInFlight",
    });
    expect(f.mailer.sent).toHaveLength(1);
    expect(f.notifications.stored(order.orderId, "backordered")).toMatchObject({ state: "sent" });
  });
});
