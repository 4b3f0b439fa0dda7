import { describe, expect, it } from "vitest";
import { ownStack } from "../own-stack.ts";
import {
  api,
  eventually,
  getSku,
  keys,
  newSku,
  orderBody,
  postOrder,
  putSku,
  settled,
} from "../support.ts";
import { advanceClock, emailsTo, localAdapters } from "./support-local.ts";

/** Contract §7 and §9: a declined card, the customer's new payment method, the window. */
// This file moves the virtual clock, so it runs on a stack of its own.
await ownStack();
const { store } = localAdapters();

interface OrderLine {
  lineId: string;
  status: string;
}

async function statusOf(orderId: string, lineId: string) {
  return (await store.getLine(orderId, lineId))?.status;
}

/** The signed order link of the latest email with this subject fragment. */
async function linkFrom(email: string, subject: string): Promise<URL> {
  const found = await eventually(
    async () => (await emailsTo(email)).find((e) => e.subject.includes(subject)),
    { what: `an email "${subject}" to ${email}` },
  );
  const href = /https?:\/\/\S+/.exec(found.body.text ?? "")?.[0];
  if (!href) throw new Error("no link in the email");
  return new URL(href);
}

const payWith = (orderId: string, token: string | null, paymentMethodRef: string) =>
  api(
    `/v1/customer/orders/${orderId}/payment-method${token === null ? "" : `?token=${encodeURIComponent(token)}`}`,
    { method: "POST", body: { paymentMethodRef } },
  );

async function declinedOrder(sku: string) {
  const body = orderBody([{ lineRef: "1", sku, qty: 1, unitPrice: 999 }], {
    payment: {
      provider: "sandbox",
      customerRef: "cus_1",
      paymentMethodRef: "pm_card_chargeDeclined",
    },
  });
  const res = await postOrder(body);
  expect(res.status, res.text).toBe(201);
  const orderId = String(res.json.orderId);
  const lineId = (res.json.lines as OrderLine[])[0]?.lineId as string;
  await eventually(async () => (await statusOf(orderId, lineId)) === "awaiting_payment", {
    what: "the declined line to wait for payment",
  });
  return { orderId, lineId, email: body.customer.email };
}

describe("a declined card", () => {
  it("sends payment_failed with a link; a new method through it charges the line", async () => {
    const sku = newSku();
    await putSku(sku, { name: "W", onHand: 2 });
    const { orderId, lineId, email } = await declinedOrder(sku);
    const link = await linkFrom(email, "did not go through");
    expect(link.pathname).toBe(`/v1/customer/orders/${orderId}`);
    const token = link.searchParams.get("token") as string;

    // The link's token is for this order only, and a forged one is refused.
    const other = await declinedOrder(sku);
    expect((await payWith(other.orderId, token, "pm_card_visa")).status).toBe(403);
    expect((await payWith(orderId, `${token}x`, "pm_card_visa")).status).toBe(401);
    expect((await payWith(orderId, null, "pm_card_visa")).status).toBe(401);
    expect(await statusOf(other.orderId, other.lineId)).toBe("awaiting_payment");

    // A second card is declined too: the line waits on, within the same window.
    const expired = await payWith(orderId, token, "pm_card_chargeDeclinedExpiredCard");
    expect(expired.status, expired.text).toBe(200);
    await eventually(
      async () => {
        const line = await store.getLine(orderId, lineId);
        return line?.chargeAttempts === 2 && !line.chargingAttempt;
      },
      { what: "the second attempt declined", timeoutMs: 60_000 },
    );

    const res = await payWith(orderId, token, "pm_card_visa");
    expect(res.status, res.text).toBe(200);
    expect(res.json).toEqual({ orderId, retryingLineIds: [lineId] });
    await eventually(async () => (await statusOf(orderId, lineId)) === "shipment_requested", {
      what: "the line to be charged and its shipment requested",
      timeoutMs: 60_000,
    });
    const line = await store.getLine(orderId, lineId);
    expect(line?.charge).toMatchObject({ amount: 999, attempt: 3 });
    // The charged email follows the shipment request (the parcel never waits for it).
    await settled();
    const kinds = (await store.listNotifications(orderId)).map((n) => n.kind);
    expect(kinds).toEqual(["payment_failed", "payment_failed", "charged"]);
    expect((await emailsTo(email)).map((e) => e.subject)).toHaveLength(3);

    // The line's timeline tells both declines, then the charge of the third attempt.
    const timeline = await api(`/v1/orders/${orderId}/lines/${lineId}/timeline`, {
      key: keys.storefront,
    });
    const events = timeline.json.events as { kind: string; decline?: number; attempt?: number }[];
    const money = events.filter((e) => e.kind === "charge_declined" || e.kind === "charge");
    expect(money.map((e) => e.decline ?? e.attempt)).toEqual([1, 2, 3]);
    expect(money.map((e) => e.kind)).toEqual(["charge_declined", "charge_declined", "charge"]);
  }, 180_000);

  it("left unpaid past the window, is cancelled and its unit goes to the next order in line", async () => {
    const sku = newSku();
    await putSku(sku, { name: "W", onHand: 1, backorder: { allowed: true } });
    const { orderId, lineId, email } = await declinedOrder(sku);
    const next = await postOrder(orderBody([{ lineRef: "1", sku, qty: 1 }]));
    const nextLine = (next.json.lines as OrderLine[])[0] as OrderLine;
    expect(nextLine.status).toBe("backordered");

    await advanceClock(73 * 3600);
    await eventually(async () => (await statusOf(orderId, lineId)) === "cancelled", {
      what: "the unpaid line to be cancelled",
    });
    await eventually(
      async () => (await statusOf(String(next.json.orderId), nextLine.lineId)) !== "backordered",
      { what: "the next order to get the unit" },
    );
    expect(await getSku(sku)).toMatchObject({ onHand: 1, allocated: 1, backorderedQty: 0 });
    const cancelled = await linkFrom(email, "cancel");
    expect(cancelled.pathname).toBe(`/v1/customer/orders/${orderId}`);
    // The email is marked sent just after SES takes it.
    const kinds = await eventually(async () => {
      const list = (await store.listNotifications(orderId)).map((n) => n.kind);
      return list.length === 2 ? list : undefined;
    });
    expect(kinds).toEqual(["payment_failed", "cancelled"]);
  });
});

describe("customer routes", () => {
  it("need the link's token even for an order that does not exist", async () => {
    expect((await payWith("ord_nope", null, "pm_card_visa")).status).toBe(401);
    const res = await api("/v1/customer/orders/ord_nope/payment-method?token=abc", {
      method: "POST",
      key: keys.storefront,
      body: { paymentMethodRef: "pm_card_visa" },
    });
    expect(res.status).toBe(401);
  });
});
