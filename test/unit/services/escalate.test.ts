import { describe, expect, it } from "vitest";
import { addDays, endOfDay } from "../../../shared/domain/dates.ts";
import { allocateWaiting } from "../../../shared/services/allocate.ts";
import { consentToWait, escalateLine } from "../../../shared/services/escalate.ts";
import { type Fakes, fakePorts } from "../../fakes/index.ts";

/**
 * A line of 3 × W waiting on a SKU with a 7-day lead time: ordered 2026-11-24, promised
 * by P = 2026-12-01 (sooner than the first check-in, 14 silent days on). W2, W3 and W4
 * are listed instead of W; W2 is in stock and W3 can be backordered, but W4 is a stockout
 * item with nothing left, so it cannot be sold now and is never offered.
 */
async function waitingLine(leadTimeDays = 7) {
  const f = fakePorts();
  await f.given.sku("W2", { onHand: 5 });
  await f.given.sku("W3", { backorder: { leadTimeDays: 30 } });
  await f.given.sku("W4", { backorder: { allowed: false } });
  await f.given.sku("W", { backorder: { leadTimeDays }, substitutes: ["W2", "W3", "W4"] });
  const { order, line } = await f.given.order([{ sku: "W", qty: 3 }]);
  const escalate = () => escalateLine(f, order.orderId, line.lineId);
  return { f, order, line, P: line.promisedBy, escalate };
}

/** The supplier's date for the line is now `eta` (null: unknown). */
async function lateBy(f: Fakes, line: { orderId: string; lineId: string }, eta: string | null) {
  expect(await f.waits.setLineEta(line.orderId, line.lineId, eta)).toBe(true);
}

describe("escalateLine: the promised date passes", () => {
  it("up to 3 days late the first time: the promise moves silently", async () => {
    const { f, order, line, P, escalate } = await waitingLine();
    expect(P).toBe("2026-12-01");
    await lateBy(f, line, addDays(P, 2));
    f.clock.set(endOfDay(P));

    expect(await escalate()).toEqual({ escalated: "silent" });

    expect(await f.given.line(line)).toMatchObject({
      promisedBy: addDays(P, 2),
      toldPromisedBy: P,
      delays: 0,
      promiseEscalated: false,
    });
    expect(await f.given.emails(order.orderId)).toEqual([]);
  });

  it.each([
    {
      late: 5,
      tier: "apology",
      says: ["The new date is Sun, Dec 6, 2026 (2026-12-06)."],
      not: ["instead", "% off"],
      remedy: null,
    },
    {
      late: 10,
      tier: "substitutes_shipping_discount",
      says: [
        "- Item W2, $30.00 (In stock, ships now). Choose this instead:",
        "- Item W3, $30.00 (On backorder). Choose this instead:",
        "50% off the shipping of these items",
      ],
      not: ["Item W4", "next order", "Please confirm"],
      remedy: { kind: "shipping_discount", percent: 50, code: null },
    },
    {
      late: 20,
      tier: "substitutes_future_discount",
      says: ["- Item W2, $30.00 (In stock, ships now)", "10% off your next order"],
      not: ["Item W4", "Please confirm"],
      remedy: { kind: "future_discount", percent: 10, code: null },
    },
  ])("$late days late: a delay notice of tier $tier, no consent asked", async (c) => {
    const { f, order, line, P, escalate } = await waitingLine();
    await lateBy(f, line, addDays(P, c.late));
    f.clock.set(endOfDay(P));

    expect(await escalate()).toEqual({ escalated: "delay_notice", tier: c.tier, consentBy: null });

    const after = await f.given.line(line);
    expect(after).toMatchObject({
      promisedBy: addDays(P, c.late),
      toldPromisedBy: addDays(P, c.late),
      delays: 1,
      consentBy: null,
      promiseEscalated: false,
    });
    // The remedy is concrete and recorded on the line (the page shows it).
    expect(after.remedy ?? null).toEqual(c.remedy);
    expect(await f.given.emails(order.orderId)).toEqual(["delay_notice"]);
    const [email] = f.mailer.sent;
    for (const says of c.says) expect(email?.text).toContain(says);
    for (const not of c.not) expect(email?.text).not.toContain(not);
  });

  it("more than 30 days past the first promise: the notice asks consent by the new date", async () => {
    const { f, line, P, escalate } = await waitingLine();
    await lateBy(f, line, addDays(P, 40));
    f.clock.set(endOfDay(P));

    expect(await escalate()).toEqual({
      escalated: "delay_notice",
      tier: "substitutes_future_discount",
      consentBy: addDays(P, 40),
    });
    expect((await f.given.line(line)).consentBy).toBe(addDays(P, 40));
    expect(f.mailer.sent[0]?.text).toContain(`confirm by Sun, Jan 10, 2027 (${addDays(P, 40)})`);
  });

  it("no known date: the promise stays, handled, and consent is due in 30 days", async () => {
    const { f, line, P, escalate } = await waitingLine();
    f.clock.set(endOfDay(P));

    const out = await escalate();

    expect(out).toEqual({
      escalated: "delay_notice",
      tier: "substitutes_future_discount",
      consentBy: addDays("2026-12-02", 30),
    });
    expect(await f.given.line(line)).toMatchObject({
      promisedBy: P,
      promiseEscalated: true,
      consentBy: addDays("2026-12-02", 30),
    });
    expect(f.mailer.sent[0]?.text).toContain("the new date is unknown for now");
  });

  it("a second delay asks consent, even when it is a small one", async () => {
    const { f, order, line, P, escalate } = await waitingLine();
    await lateBy(f, line, addDays(P, 5));
    f.clock.set(endOfDay(P));
    await escalate();
    const first = addDays(P, 5);
    await lateBy(f, line, addDays(first, 3));
    f.clock.set(endOfDay(first));

    expect(await escalate()).toEqual({
      escalated: "delay_notice",
      // 8 days past the first promise in all: the tier counts from it (contract §8).
      tier: "substitutes_shipping_discount",
      consentBy: addDays(first, 3),
    });
    expect(await f.given.line(line)).toMatchObject({ delays: 2, consentBy: addDays(first, 3) });
    expect(await f.given.emails(order.orderId)).toEqual(["delay_notice", "delay_notice"]);
  });

  it("a repeated step sends the notice once and records the delay once", async () => {
    const { f, line, P, escalate } = await waitingLine();
    await lateBy(f, line, addDays(P, 5));
    f.clock.set(endOfDay(P));
    f.races.beforeNext("waits.recordDelay", () => {
      throw new Error("the function crashed");
    });
    await expect(escalate()).rejects.toThrow("crashed");
    expect((await f.given.line(line)).promisedBy).toBe(P);

    expect(await escalate()).toMatchObject({ escalated: "delay_notice", tier: "apology" });
    expect(await escalate()).toEqual({ escalated: null });
    expect(f.mailer.sent).toHaveLength(1);
    expect(await f.given.line(line)).toMatchObject({ promisedBy: addDays(P, 5), delays: 1 });
    // Counted once each: the promise passed while it waited, and the notice sent.
    expect(f.metrics.of("LinesPastPromise")).toBe(1);
    expect(f.metrics.of("DelayNotices")).toBe(1);
  });

  it("nothing is due before the end of the promised day", async () => {
    const { f, line, P, escalate } = await waitingLine();
    await lateBy(f, line, addDays(P, 5));
    f.clock.set(new Date(endOfDay(P).getTime() - 1));
    expect(await escalate()).toEqual({ escalated: null });
    expect(f.mailer.sent).toEqual([]);
    expect((await f.given.line(line)).delays).toBe(0);
  });
});

describe("escalateLine: consent and check-ins", () => {
  /** A line delayed twice: the second notice asked consent by C = P + 8. */
  async function askedConsent() {
    const w = await waitingLine();
    await lateBy(w.f, w.line, addDays(w.P, 5));
    w.f.clock.set(endOfDay(w.P));
    await w.escalate();
    await lateBy(w.f, w.line, addDays(w.P, 8));
    w.f.clock.set(endOfDay(addDays(w.P, 5)));
    expect(await w.escalate()).toMatchObject({ consentBy: addDays(w.P, 8) });
    return { ...w, C: addDays(w.P, 8) };
  }

  it("no consent by its day: the line is cancelled and its backorder released", async () => {
    const { f, order, line, C, escalate } = await askedConsent();
    f.clock.set(endOfDay(C));

    expect(await escalate()).toEqual({ escalated: "cancelled_without_consent" });

    expect((await f.given.line(line)).status).toBe("cancelled");
    expect(await f.catalog.getSku("W")).toMatchObject({ backorderedQty: 0 });
    expect(await f.given.emails(order.orderId)).toEqual([
      "delay_notice",
      "delay_notice",
      "cancelled",
    ]);
  });

  it("with consent, the line is not cancelled", async () => {
    const { f, order, line, C, escalate } = await askedConsent();
    await f.given.park(line, "stock");

    expect(await consentToWait(f, order.orderId, line.lineId)).toEqual({
      lineId: line.lineId,
      status: "backordered",
      promisedBy: C,
      consentedUntil: C,
    });
    expect(f.signals.wakes).toEqual([
      expect.objectContaining({ lineId: line.lineId, reason: "consented", outcome: "woken" }),
    ]);
    f.clock.set(endOfDay(C));
    expect(await escalate()).not.toEqual({ escalated: "cancelled_without_consent" });
    expect((await f.given.line(line)).status).toBe("backordered");
  });

  it("after the configured silent days, a check-in; once", async () => {
    const { f, order, line, escalate } = await waitingLine(60);
    f.clock.advance({ days: 14 });

    expect(await escalate()).toEqual({ escalated: "check_in" });
    expect((await f.given.line(line)).lastContactAt).toBe(f.clock.now().toISOString());
    expect(await escalate()).toEqual({ escalated: null });
    f.clock.advance({ days: 13 });
    expect(await escalate()).toEqual({ escalated: null });
    expect(await f.given.emails(order.orderId)).toEqual(["check_in"]);

    f.clock.advance({ days: 1 });
    expect(await escalate()).toEqual({ escalated: "check_in" });
    expect(await f.given.emails(order.orderId)).toEqual(["check_in", "check_in"]);
  });

  it("a check-in sent by a run that crashed before noting it is noted, not sent again", async () => {
    const { f, line, escalate } = await waitingLine(60);
    f.clock.advance({ days: 14 });
    f.races.beforeNext("notifications.touchLastContact", () => {
      throw new Error("the function crashed");
    });
    await expect(escalate()).rejects.toThrow("crashed");
    f.clock.advance({ minutes: 5 });

    expect(await escalate()).toEqual({ escalated: "check_in" });
    expect((await f.given.line(line)).lastContactAt).toBe(f.clock.now().toISOString());
    expect(await escalate()).toEqual({ escalated: null });
    expect(f.mailer.sent).toHaveLength(1);
  });

  it("a line no longer waiting is left alone", async () => {
    const { f, order, line, P, escalate } = await waitingLine();
    await f.given.receipt("W", 3, "rc_1");
    await allocateWaiting(f, "W");
    f.clock.set(endOfDay(addDays(P, 60)));
    expect(await escalate()).toEqual({ escalated: null });
    expect((await f.given.line(line)).status).toBe("allocated");
    expect(await f.given.emails(order.orderId)).toEqual([]);
  });
});

describe("consentToWait", () => {
  it("on a split line, the consent goes to the part still waiting", async () => {
    const { f, order, line, P } = await waitingLine();
    await lateBy(f, line, addDays(P, 40));
    f.clock.set(endOfDay(P));
    await escalateLine(f, order.orderId, line.lineId);
    await f.given.receipt("W", 1, "rc_1");
    await allocateWaiting(f, "W");
    const rest = (await f.orders.listLines(order.orderId)).find((l) => l.splitFrom === line.lineId);
    if (!rest) throw new Error("the line was not split");
    await f.given.park(rest, "stock");

    const out = await consentToWait(f, order.orderId, line.lineId);

    expect(out).toEqual({
      lineId: rest.lineId,
      status: "backordered",
      promisedBy: addDays(P, 40),
      consentedUntil: addDays(P, 40),
    });
    expect((await f.given.line(rest)).consentedFor).toBe(addDays(P, 40));
    expect((await f.given.line(line)).consentedFor).toBeUndefined();
    expect(f.signals.woken()).toEqual([rest.lineId]);
  });

  it("a line not waiting is a conflict; a missing one not-found", async () => {
    const { f, order, line } = await waitingLine();
    await f.orders.cancelLine(line, f.clock.now());
    await expect(consentToWait(f, order.orderId, line.lineId)).rejects.toMatchObject({
      kind: "conflict",
      code: "line-not-waiting",
    });
    await expect(consentToWait(f, order.orderId, "ln_nope")).rejects.toMatchObject({
      kind: "not-found",
    });
  });
});

describe("consent asked by a delay notice", () => {
  /** A line on its second delay: the next escalation asks the customer's consent. */
  async function secondDelay(f: Fakes, email: string) {
    const { order, line } = await f.given.order([{ sku: "W", qty: 1 }], { email });
    const P = line.promisedBy;
    await lateBy(f, line, addDays(P, 5));
    return { order, line, P };
  }

  it("is recorded before the email leaves: customers who answer at once are all kept", async () => {
    const f = fakePorts();
    await f.given.sku("W", { backorder: { leadTimeDays: 7 } });
    const customers = await Promise.all(
      ["a", "b", "c", "d"].map((n) => secondDelay(f, `${n}@example.com`)),
    );
    const [{ P } = { P: "" }] = customers;
    f.clock.set(endOfDay(P));
    for (const c of customers) await escalateLine(f, c.order.orderId, c.line.lineId);
    const first = addDays(P, 5);
    for (const c of customers) await lateBy(f, c.line, addDays(first, 3));
    f.clock.set(endOfDay(first));

    // Each customer presses "keep waiting" the moment the second notice reaches them.
    const answers: unknown[] = [];
    f.mailer.onSend = async (email) => {
      const c = customers.find((x) => x.order.customer.email === email.to);
      if (c && email.text.includes("Please confirm")) {
        answers.push(await consentToWait(f, c.order.orderId, c.line.lineId));
      }
    };
    await Promise.all(customers.map((c) => escalateLine(f, c.order.orderId, c.line.lineId)));

    expect(answers).toHaveLength(customers.length);
    for (const answer of answers) {
      expect(answer).toMatchObject({ status: "backordered", consentedUntil: addDays(first, 3) });
    }
    // Past the consent day nobody is cancelled: every consent was kept.
    f.mailer.onSend = null;
    f.clock.set(endOfDay(addDays(first, 3)));
    for (const c of customers) await escalateLine(f, c.order.orderId, c.line.lineId);
    for (const c of customers) expect((await f.given.line(c.line)).status).toBe("backordered");
  });

  it("a notice recorded but not sent (a crash in between) is sent by the next step, once", async () => {
    const { f, line, P, escalate } = await waitingLine();
    await lateBy(f, line, addDays(P, 5));
    f.clock.set(endOfDay(P));
    f.mailer.timeOutNext();
    await expect(escalate()).rejects.toThrow();
    expect((await f.given.line(line)).owedNotice).toMatchObject({ occasion: "delay-1" });
    expect(f.mailer.sent).toHaveLength(0);

    // Its claim's lease runs out; the retried step sends it and clears it.
    f.clock.advance({ minutes: 3 });
    expect(await escalate()).toMatchObject({ escalated: "delay_notice", tier: "apology" });
    expect(f.mailer.sent).toHaveLength(1);
    expect((await f.given.line(line)).owedNotice).toBeNull();
    expect(await escalate()).toEqual({ escalated: null });
    expect(f.mailer.sent).toHaveLength(1);
  });

  it("a consent nobody asked for is refused, not answered as if recorded", async () => {
    const { f, order, line } = await waitingLine();
    await expect(consentToWait(f, order.orderId, line.lineId)).rejects.toMatchObject({
      kind: "conflict",
      code: "consent-not-asked",
    });
    expect((await f.given.line(line)).consentedFor).toBeUndefined();
  });
});
