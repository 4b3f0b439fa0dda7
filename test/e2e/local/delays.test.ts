import { describe, expect, it } from "vitest";
import { addDays, toIsoDate } from "../../../shared/domain/dates.ts";
import { formatDay } from "../../../shared/emails/format.ts";
import { ownStack } from "../own-stack.ts";
import {
  api,
  eventually,
  keys,
  newSku,
  orderBody,
  postOrder,
  putSku,
  settled,
} from "../support.ts";
import {
  advanceClock,
  asnFor,
  emailsTo,
  localAdapters,
  postAsn,
  virtualNow,
} from "./support-local.ts";

/** Contract §8 on the virtual clock: delay notices by tier, the FTC consent rule, check-ins. */
// This file moves the virtual clock, so it runs on a stack of its own.
await ownStack();
const { store } = localAdapters();
const DAY = 86_400;

async function waitingLine(leadTimeDays: number, substitutes: string[] = []) {
  const sku = newSku();
  await putSku(sku, {
    name: "W",
    onHand: 0,
    backorder: { allowed: true, leadTimeDays },
    substitutes,
  });
  const body = orderBody([{ lineRef: "1", sku, qty: 1 }]);
  const res = await postOrder(body);
  expect(res.status).toBe(201);
  const line = (res.json.lines as { lineId: string; promisedBy: string }[])[0] as {
    lineId: string;
    promisedBy: string;
  };
  return { sku, orderId: String(res.json.orderId), ...line, email: body.customer.email };
}

const noticesTo = async (email: string) =>
  (await emailsTo(email)).filter((e) => e.subject.includes("is delayed"));

const lineOf = (w: { orderId: string; lineId: string }) => store.getLine(w.orderId, w.lineId);

/** Moves the virtual clock to the day after `day` (its promise has passed). */
async function passDay(day: string) {
  const now = await virtualNow();
  const target = Date.parse(`${addDays(day, 1)}T01:00:00Z`);
  await advanceClock(Math.max(1, Math.ceil((target - now.getTime()) / 1000)));
}

describe("a waiting line whose promised date passes", () => {
  it("gets the notice of its tier: 8–14 days late offers substitutes and discounted shipping", async () => {
    // Listed substitutes: one in stock, one a stockout item with none left (not offered).
    const [inStock, soldOut] = [newSku(), newSku()];
    await putSku(inStock, { name: "Oak lamp", onHand: 4 });
    await putSku(soldOut, { name: "Ash lamp", onHand: 0, backorder: { allowed: false } });
    const w = await waitingLine(3, [inStock, soldOut]);
    const revised = addDays(w.promisedBy, 10);
    expect((await postAsn("acme", asnFor(w.sku, 5, revised))).status).toBe(202);
    await passDay(w.promisedBy);
    const [notice] = await eventually(async () => {
      const list = await noticesTo(w.email);
      return list.length ? list : undefined;
    });
    expect(notice?.body.text).toContain(revised);
    expect(notice?.body.text).toContain("- Oak lamp, $19.99 (In stock, ships now)");
    expect(notice?.body.text).toContain(`action=substitute&lineId=${w.lineId}&sku=${inStock}`);
    expect(notice?.body.text).not.toContain("Ash lamp");
    expect(notice?.body.text).toContain("50% off the shipping of these items");
    expect(notice?.body.text).not.toContain("Please confirm");
    // The delay is recorded before its email leaves (escalate.ts); let the step finish.
    await settled();
    expect(await lineOf(w)).toMatchObject({
      promisedBy: revised,
      delays: 1,
      consentBy: null,
      remedy: { kind: "shipping_discount", percent: 50, code: null },
    });
  });

  it("1–3 days late moves the date without an email", async () => {
    const w = await waitingLine(2);
    const revised = addDays(w.promisedBy, 2);
    expect((await postAsn("acme", asnFor(w.sku, 5, revised))).status).toBe(202);
    await passDay(w.promisedBy);
    await eventually(async () => (await lineOf(w))?.promisedBy === revised, {
      what: "the silent adjustment",
    });
    await settled();
    expect(await noticesTo(w.email)).toEqual([]);
  });

  it("a second delay without consent cancels the line on the revised date; with consent it waits", async () => {
    const ignored = await waitingLine(2);
    const kept = await waitingLine(2);
    const firstRevised = addDays(ignored.promisedBy, 5);
    const asns = [ignored, kept].map((w) => asnFor(w.sku, 5, firstRevised));
    for (const notice of asns) expect((await postAsn("acme", notice)).status).toBe(202);
    await passDay(ignored.promisedBy);
    for (const w of [ignored, kept]) {
      await eventually(async () => (await lineOf(w))?.delays === 1, { what: "the first delay" });
    }

    // The supplier slips again: a second delay, which needs consent by the new date.
    const secondRevised = addDays(firstRevised, 4);
    for (const [i, w] of [ignored, kept].entries()) {
      const notice = asns[i] as ReturnType<typeof asnFor>;
      const revision = asnFor(w.sku, 5, secondRevised, 2, notice.asnId);
      expect((await postAsn("acme", revision)).status).toBe(202);
    }
    await passDay(firstRevised);
    for (const w of [ignored, kept]) {
      await eventually(async () => (await lineOf(w))?.consentBy === secondRevised, {
        what: "the second delay asking consent",
      });
      // The delay is recorded before its notice leaves: wait for the email too.
      await eventually(
        async () =>
          (await noticesTo(w.email))
            .at(-1)
            ?.body.text?.includes(`confirm by ${formatDay(secondRevised)} (${secondRevised})`),
        { what: "the second delay notice asking consent" },
      );
    }

    // One customer consents through the link of the notice.
    const link = /https?:\/\/\S+action=consent\S*/.exec(
      (await noticesTo(kept.email)).at(-1)?.body.text ?? "",
    )?.[0];
    expect(link).toBeDefined();
    const token = new URL(link as string).searchParams.get("token") as string;
    const consent = await api(
      `/v1/customer/orders/${kept.orderId}/lines/${kept.lineId}/consent?token=${encodeURIComponent(token)}`,
      { method: "POST" },
    );
    expect(consent.status, consent.text).toBe(200);
    expect(consent.json).toMatchObject({ status: "backordered", consentedUntil: secondRevised });

    await passDay(secondRevised);
    await eventually(async () => (await lineOf(ignored))?.status === "cancelled", {
      what: "the line without consent to be cancelled",
    });
    const cancelled = await eventually(async () =>
      (await emailsTo(ignored.email)).find((e) => e.subject.includes("cancelled")),
    );
    expect(cancelled.body.text).toContain("not charged");
    await settled();
    expect((await lineOf(kept))?.status).toBe("backordered");
  });

  it("several customers who consent the moment their second-delay email arrives all keep waiting", async () => {
    const sku = newSku();
    await putSku(sku, { name: "W", onHand: 0, backorder: { allowed: true, leadTimeDays: 2 } });
    const waiting = [];
    for (let i = 0; i < 6; i++) {
      const body = orderBody([{ lineRef: "1", sku, qty: 1 }]);
      const res = await postOrder(body);
      expect(res.status).toBe(201);
      const [line] = res.json.lines as { lineId: string; promisedBy: string }[];
      if (!line) throw new Error("the order has its line");
      waiting.push({ orderId: String(res.json.orderId), ...line, email: body.customer.email });
    }
    const promisedBy = waiting[0]?.promisedBy as string;
    const firstRevised = addDays(promisedBy, 5);
    const notice = asnFor(sku, 10, firstRevised);
    expect((await postAsn("acme", notice)).status).toBe(202);
    await passDay(promisedBy);
    for (const w of waiting) {
      await eventually(async () => (await lineOf(w))?.delays === 1, { what: "the first delay" });
    }
    const secondRevised = addDays(firstRevised, 4);
    const revision = asnFor(sku, 10, secondRevised, 2, notice.asnId);
    expect((await postAsn("acme", revision)).status).toBe(202);

    // The clock passes the first revised date: six second-delay emails go out at once, and
    // each customer presses "keep waiting" as soon as theirs is in the mailbox.
    const moved = passDay(firstRevised);
    const answers = await Promise.all(
      waiting.map(async (w) => {
        const email = await eventually(
          async () =>
            (await noticesTo(w.email)).find((e) =>
              e.body.text?.includes(`confirm by ${formatDay(secondRevised)} (${secondRevised})`),
            ),
          { intervalMs: 10, what: "the second delay notice" },
        );
        const link = /https?:\/\/\S+action=consent\S*/.exec(email.body.text ?? "")?.[0];
        const token = new URL(link as string).searchParams.get("token") as string;
        return api(
          `/v1/customer/orders/${w.orderId}/lines/${w.lineId}/consent?token=${encodeURIComponent(token)}`,
          { method: "POST" },
        );
      }),
    );
    await moved;
    for (const res of answers) {
      expect(res.status, res.text).toBe(200);
      expect(res.json).toMatchObject({ status: "backordered", consentedUntil: secondRevised });
    }
    for (const w of waiting) {
      expect(await lineOf(w)).toMatchObject({
        consentBy: secondRevised,
        consentedFor: secondRevised,
      });
    }

    // Every consent holds: past the revised date, no line is cancelled.
    await passDay(secondRevised);
    await settled();
    for (const w of waiting) {
      expect((await lineOf(w))?.status).toBe("backordered");
      expect((await emailsTo(w.email)).some((e) => e.subject.includes("cancelled"))).toBe(false);
    }
  });

  it("a line silent for 14 days gets one check-in", async () => {
    const w = await waitingLine(90);
    await advanceClock(15 * DAY);
    const checkIns = async () =>
      (await emailsTo(w.email)).filter((e) => e.subject.includes("Still waiting"));
    await eventually(async () => (await checkIns()).length === 1, { what: "the check-in" });
    await advanceClock(2 * DAY);
    await settled();
    expect(await checkIns()).toHaveLength(1);
    expect(toIsoDate(new Date((await lineOf(w))?.lastContactAt ?? 0))).not.toBe(
      toIsoDate(new Date(0)),
    );
  });
});

describe("delays told before the promised date passes", () => {
  it("a supplier's notice 20 days past the promise sends the delay notice at once", async () => {
    const w = await waitingLine(3);
    const today = toIsoDate(await virtualNow());
    const revised = addDays(w.promisedBy, 20);
    expect((await postAsn("acme", asnFor(w.sku, 5, revised))).status).toBe(202);
    // The clock has not moved: the customer hears it days before the promised date.
    const [notice] = await eventually(async () => {
      const list = await noticesTo(w.email);
      return list.length ? list : undefined;
    });
    expect(toIsoDate(await virtualNow())).toBe(today);
    expect(today < w.promisedBy).toBe(true);
    expect(notice?.body.text).toContain(`The new date is ${formatDay(revised)} (${revised}).`);
    expect(notice?.body.text).toContain("10% off your next order");
    await settled();
    expect(await lineOf(w)).toMatchObject({ promisedBy: revised, delays: 1, eta: revised });
    // Told by the notice, not again as an ETA update.
    const all = await emailsTo(w.email);
    expect(all.filter((e) => e.subject.includes("delivery date"))).toEqual([]);
  });

  it("a paid line the warehouse has not shipped by its promise gets a delay notice; shipping ends them", async () => {
    const sku = newSku();
    await putSku(sku, { name: "Desk lamp", onHand: 3 });
    const body = orderBody([{ lineRef: "1", sku, qty: 1 }]);
    const res = await postOrder(body);
    expect(res.status).toBe(201);
    const orderId = String(res.json.orderId);
    const line = (res.json.lines as { lineId: string; promisedBy: string }[])[0] as {
      lineId: string;
      promisedBy: string;
    };
    await eventually(async () =>
      (await store.getLine(orderId, line.lineId))?.status === "shipment_requested"
        ? true
        : undefined,
    );
    await settled();
    expect(await noticesTo(body.customer.email)).toEqual([]);

    await passDay(line.promisedBy);
    const [notice] = await eventually(async () => {
      const list = await noticesTo(body.customer.email);
      return list.length ? list : undefined;
    });
    expect(notice?.body.text).toContain("did not leave our warehouse by the date we promised");
    expect(notice?.body.text).toContain("Desk lamp");
    await settled();
    expect(await store.getLine(orderId, line.lineId)).toMatchObject({
      status: "shipment_requested",
      lateTier: "apology",
    });

    // Shipped now: no further delay notice, however late the clock goes.
    const shipmentId = (await store.getLine(orderId, line.lineId))?.shipmentId as string;
    const shipped = await api(`/v1/shipments/${shipmentId}/shipped`, {
      method: "POST",
      key: keys.warehouse,
      body: { carrier: "UPS", trackingNumber: "1Z999" },
    });
    expect(shipped.status, shipped.text).toBe(200);
    await settled();
    await advanceClock(20 * DAY);
    await settled();
    expect(await noticesTo(body.customer.email)).toHaveLength(1);
  });
});
