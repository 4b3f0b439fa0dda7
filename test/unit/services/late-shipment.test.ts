import { describe, expect, it } from "vitest";
import { addDays, endOfDay } from "../../../shared/domain/dates.ts";
import { DEFAULT_DELAYS, lateNoticeOn, nextLateNotice } from "../../../shared/domain/delays.ts";
import { advanceLine } from "../../../shared/services/advance.ts";
import { allocateWaiting } from "../../../shared/services/allocate.ts";
import { consentToWait } from "../../../shared/services/escalate.ts";
import { fakePorts } from "../../fakes/index.ts";

describe("warehouse delay notices, as rules", () => {
  const state = (overrides = {}) => ({
    promisedBy: "2026-12-01",
    firstPromisedBy: "2026-12-01",
    lateTier: null,
    consentBy: null,
    ...overrides,
  });

  it("fall due when the promise passes, then at each higher tier, then past the rule's limit", () => {
    expect(nextLateNotice(state())).toBe("2026-12-01");
    expect(lateNoticeOn(state(), "2026-12-01")).toBeNull();
    expect(lateNoticeOn(state(), "2026-12-02")).toEqual({
      tier: "apology",
      consentBy: null,
      occasion: "late-apology",
      daysLate: 1,
    });
    const told = state({ lateTier: "apology" });
    expect(nextLateNotice(told)).toBe("2026-12-08");
    expect(lateNoticeOn(told, "2026-12-08")).toBeNull();
    expect(lateNoticeOn(told, "2026-12-09")).toMatchObject({
      tier: "substitutes_shipping_discount",
      consentBy: null,
    });
    const future = state({ lateTier: "substitutes_future_discount" });
    expect(nextLateNotice(future)).toBe("2026-12-31");
    // A paid line is asked consent only past the limit (30 days from the first promise).
    expect(lateNoticeOn(future, "2027-01-01")).toEqual({
      tier: "substitutes_future_discount",
      consentBy: addDays("2027-01-01", DEFAULT_DELAYS.unknownConsentDays),
      occasion: "late-consent",
      daysLate: 31,
    });
    expect(nextLateNotice({ ...future, consentBy: "2027-01-31" })).toBeNull();
  });

  it("a line found late for the first time gets the tier of how late it is, once", () => {
    // Its promise passed 10 days ago (a step that ran late): one notice, of the right tier.
    expect(lateNoticeOn(state(), "2026-12-11")?.tier).toBe("substitutes_shipping_discount");
    expect(
      lateNoticeOn(state({ lateTier: "substitutes_shipping_discount" }), "2026-12-11"),
    ).toBeNull();
  });
});

describe("a paid line the warehouse has not shipped by its promise", () => {
  /** An in-stock line, charged and its shipment requested the day it was ordered (its
   * promise: that day, 2026-11-24). */
  async function requestedLine() {
    const f = fakePorts();
    await f.given.sku("W", { onHand: 5 });
    const { order, line } = await f.given.order([{ sku: "W", qty: 1 }]);
    const step = () => advanceLine(f, order.orderId, line.lineId);
    const first = await step();
    expect(first).toMatchObject({ status: "shipment_requested", wait: "shipped" });
    // It looks again when its promise day ends, not a week later.
    expect(first.waitSeconds).toBeLessThanOrEqual(86_400);
    return { f, order, line, step, P: line.promisedBy };
  }

  it("is told when its promise passes, and again as it grows later, with each tier's remedy", async () => {
    const { f, order, line, step, P } = await requestedLine();
    expect(await f.given.emails(order.orderId)).toEqual(["charged"]);

    f.clock.set(endOfDay(P));
    const late = await step();
    expect(late).toMatchObject({ status: "shipment_requested", wait: "shipped" });
    expect(await f.given.emails(order.orderId)).toEqual(["charged", "delay_notice"]);
    const notice = f.mailer.sent[1];
    expect(notice?.text).toContain("did not leave our warehouse by the date we promised");
    expect(notice?.text).toContain("cancel them from your order page and we will refund you");
    expect(notice?.text).not.toContain("instead");
    expect(await f.given.line(line)).toMatchObject({
      lateTier: "apology",
      delays: 1,
      owedNotice: null,
    });
    // The next look is when it reaches the next tier.
    expect(late.waitSeconds).toBe(7 * 86_400);

    // Run again the same day: nothing twice.
    await step();
    expect(await f.given.emails(order.orderId)).toHaveLength(2);

    f.clock.set(endOfDay(addDays(P, 7)));
    await step();
    expect(await f.given.emails(order.orderId)).toEqual([
      "charged",
      "delay_notice",
      "delay_notice",
    ]);
    expect(f.mailer.sent[2]?.text).toContain("50% off the shipping of these items");
    expect(await f.given.line(line)).toMatchObject({
      lateTier: "substitutes_shipping_discount",
      remedy: { kind: "shipping_discount", percent: 50 },
      consentBy: null,
    });
  });

  it("past 30 days it is asked consent: without it, cancelled and refunded; with it, kept", async () => {
    for (const consents of [false, true]) {
      const { f, order, line, step, P } = await requestedLine();
      f.clock.set(endOfDay(addDays(P, 30)));
      await step();
      const asked = await f.given.line(line);
      expect(asked.consentBy).toBe(addDays(addDays(P, 31), 30));
      expect(f.mailer.sent.at(-1)?.text).toContain("Please confirm by");
      expect(f.mailer.sent.at(-1)?.text).toContain("Keep waiting:");

      if (consents) {
        expect(await consentToWait(f, order.orderId, line.lineId)).toMatchObject({
          status: "shipment_requested",
          consentedUntil: asked.consentBy,
        });
      }
      f.clock.set(endOfDay(asked.consentBy as string));
      await step();
      const after = await f.given.line(line);
      if (consents) {
        expect(after.status).toBe("shipment_requested");
      } else {
        expect(after.status).toBe("cancelled");
        expect(after.refund).toMatchObject({ amount: 1000 });
        expect((await f.given.emails(order.orderId)).at(-1)).toBe("cancelled");
      }
    }
  });
});

describe("a line paid after its promise passed, and a split line asked consent", () => {
  it("a line whose stock came late is not told a warehouse delay the day it is paid, and keeps its remedy", async () => {
    const f = fakePorts();
    await f.given.sku("W", { backorder: { leadTimeDays: 7 } });
    const { order, line } = await f.given.order([{ sku: "W", qty: 1 }]);
    const step = () => advanceLine(f, order.orderId, line.lineId);
    // The promise passes with no date: a notice of the top tier, with its discount.
    f.clock.set(endOfDay(line.promisedBy));
    await step();
    expect(await f.given.emails(order.orderId)).toEqual(["delay_notice"]);
    const remedy = (await f.given.line(line)).remedy;
    expect(remedy).toMatchObject({ kind: "future_discount" });

    // Stock comes 10 days late: the line is paid and handed to the warehouse that day.
    f.clock.advance({ days: 10 });
    await f.given.receipt("W", 1, "rc_late");
    await allocateWaiting(f, "W");
    expect(await step()).toMatchObject({ status: "shipment_requested", wait: "shipped" });
    expect(await f.given.emails(order.orderId)).toEqual(["delay_notice", "charged"]);

    // Not shipped by the end of that day: now it is late at the warehouse too.
    f.clock.advance({ days: 1 });
    await step();
    expect(await f.given.emails(order.orderId)).toEqual([
      "delay_notice",
      "charged",
      "delay_notice",
    ]);
    // A later notice never takes back what an earlier one gave.
    expect((await f.given.line(line)).remedy).toEqual(remedy);
  });

  it("the part of a split line that got stock drops the consent asked while it waited", async () => {
    const f = fakePorts();
    await f.given.sku("W", { backorder: { leadTimeDays: 7 } });
    const { order, line } = await f.given.order([{ sku: "W", qty: 3 }]);
    // Forty days late: consent is asked by the new date.
    await f.waits.setLineEta(order.orderId, line.lineId, addDays(line.promisedBy, 40));
    f.clock.set(endOfDay(line.promisedBy));
    await advanceLine(f, order.orderId, line.lineId);
    const asked = (await f.given.line(line)).consentBy as string;
    expect(asked).toBe(addDays(line.promisedBy, 40));

    // One unit comes: the first part is filled and paid; the rest still waits, still asked.
    await f.given.receipt("W", 1, "rc_1");
    await allocateWaiting(f, "W");
    await advanceLine(f, order.orderId, line.lineId);
    const [filled, rest] = await f.orders.listLines(order.orderId);
    expect(filled).toMatchObject({ lineId: line.lineId, status: "shipment_requested" });
    expect(filled?.consentBy ?? null).toBeNull();
    expect(rest).toMatchObject({ status: "backordered", consentBy: asked });

    // The paid part is never cancelled for the consent its remainder owes.
    f.clock.set(endOfDay(asked));
    await advanceLine(f, order.orderId, line.lineId);
    expect((await f.given.line(line)).status).toBe("shipment_requested");
  });
});
