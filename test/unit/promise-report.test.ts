import { describe, expect, it } from "vitest";
import { addDays } from "../../shared/domain/dates.ts";
import {
  cancelledOutcome,
  type LineOutcome,
  promiseCsv,
  promiseFigures,
  promiseFiguresOf,
  shippedOutcome,
  tallyOf,
} from "../../shared/domain/outcomes.ts";
import { advanceLine } from "../../shared/services/advance.ts";
import { cancelFromLink, cancelLine } from "../../shared/services/cancel.ts";
import { promiseReport } from "../../shared/services/reports.ts";
import { markShipped } from "../../shared/services/shipping.ts";
import { fakePorts } from "../fakes/index.ts";

const line = {
  lineId: "l1",
  orderId: "o1",
  sku: "W",
  qty: 1,
  promisedBy: "2026-12-10",
  firstPromisedBy: "2026-12-01",
  createdAt: "2026-11-24T10:00:00.000Z",
};

describe("a line's outcome", () => {
  it("is on time up to its first promise, then late by the tier of how late", () => {
    const at = (day: string) => shippedOutcome(line, `${day}T12:00:00.000Z`);
    expect(at("2026-12-01")).toMatchObject({ kind: "on_time", daysToShip: 7 });
    expect(at("2026-12-03")).toMatchObject({ kind: "late", tier: "silent" });
    expect(at("2026-12-08")).toMatchObject({ kind: "late", tier: "apology", daysToShip: 14 });
    expect(at("2026-12-12")).toMatchObject({ tier: "substitutes_shipping_discount" });
    expect(at("2026-12-31")).toMatchObject({ tier: "substitutes_future_discount" });
    expect(
      cancelledOutcome({ ...line, cancelReason: "no_consent" }, "2026-12-05T00:00:00Z"),
    ).toMatchObject({ kind: "cancelled", reason: "no_consent", day: "2026-12-05" });
  });
});

describe("the promise figures", () => {
  it("count on time, late by tier and cancelled by reason, with the average and p90 days to ship", () => {
    const shipped = (
      sku: string,
      days: number,
      kind: "on_time" | "late" = "on_time",
    ): LineOutcome => ({
      lineId: `${sku}${days}${kind}`,
      orderId: "o",
      sku,
      qty: 1,
      day: "2026-12-01",
      kind,
      ...(kind === "late" ? { tier: "apology" as const } : {}),
      daysToShip: days,
    });
    const outcomes: LineOutcome[] = [
      ...[1, 2, 3, 4, 5, 6, 7, 8, 9].map((d) => shipped("A", d)),
      shipped("A", 30, "late"),
      shipped("B", 4),
      {
        lineId: "c",
        orderId: "o",
        sku: "B",
        qty: 1,
        day: "2026-12-02",
        kind: "cancelled",
        reason: "customer",
      },
    ];
    const report = promiseFigures(outcomes);
    expect(report.total).toMatchObject({
      shippedOnTime: 10,
      shippedLate: {
        silent: 0,
        apology: 1,
        substitutes_shipping_discount: 0,
        substitutes_future_discount: 0,
      },
      cancelled: { customer: 1, payment_window: 0, no_consent: 0, substitute: 0, storefront: 0 },
      averageDaysToShip: 7.2,
      // 11 shipped: the 10th smallest (nearest rank) is 9 days.
      p90DaysToShip: 9,
      onTimeRate: 0.909,
    });
    expect(report.skus.map((s) => [s.sku, s.shippedOnTime, s.p90DaysToShip])).toEqual([
      ["A", 9, 9],
      ["B", 1, 4],
    ]);
    const csv = promiseCsv(report).split("\r\n");
    expect(csv[0]).toBe(
      "sku,shippedOnTime,shippedLate_silent,shippedLate_apology,shippedLate_substitutes_shipping_discount,shippedLate_substitutes_future_discount,cancelled_customer,cancelled_payment_window,cancelled_no_consent,cancelled_substitute,cancelled_storefront,averageDaysToShip,p90DaysToShip,onTimeRate",
    );
    expect(csv[3]).toBe("*,10,0,1,0,0,1,0,0,0,0,7.2,9,0.909");

    // Kept as tallies (a day's, in parts), the figures are the same.
    const parts = [0, 1, 2].map((part) => ({
      sku: "A",
      tally: outcomes.filter((o, i) => o.sku === "A" && i % 3 === part).map(tallyOf),
    }));
    const tallies = [
      ...parts.flatMap((p) => p.tally.map((tally) => ({ sku: p.sku, tally }))),
      ...outcomes.filter((o) => o.sku === "B").map((o) => ({ sku: "B", tally: tallyOf(o) })),
    ];
    expect(promiseFiguresOf(tallies)).toEqual(report);
  });
});

describe("the promise report from the lines' lives", () => {
  it("records each line as it ships or is cancelled, with the reason, and reports a span of days", async () => {
    const f = fakePorts();
    await f.given.sku("IN", { onHand: 10 });
    await f.given.sku("W", { backorder: { leadTimeDays: 7 } });
    const onTime = await f.given.order([{ sku: "IN", qty: 1 }]);
    const late = await f.given.order([{ sku: "IN", qty: 1 }]);
    const byCustomer = await f.given.order([{ sku: "W", qty: 1 }]);
    const byShop = await f.given.order([{ sku: "W", qty: 1 }]);
    for (const o of [onTime, late]) await advanceLine(f, o.order.orderId, o.line.lineId);
    const ship = async (o: typeof onTime) => {
      const shipmentId = (await f.given.line(o.line)).shipmentId as string;
      await markShipped(f, shipmentId, "UPS", `1Z${o.order.orderId}`);
      await advanceLine(f, o.order.orderId, o.line.lineId);
    };
    await ship(onTime);
    await cancelFromLink(f, byCustomer.order.orderId, byCustomer.line.lineId);
    f.clock.advance({ days: 5 });
    await ship(late);
    await cancelLine(f, byShop.order.orderId, byShop.line.lineId);
    // A step run again records nothing twice.
    await advanceLine(f, late.order.orderId, late.line.lineId);
    expect(f.metrics.of("PromisesKept")).toBe(1);
    expect(f.metrics.of("PromisesMissed")).toBe(1);

    const today = "2026-11-24";
    const report = await promiseReport(f, today, addDays(today, 5));
    expect(report.total).toMatchObject({
      shippedOnTime: 1,
      shippedLate: { apology: 1 },
      cancelled: { customer: 1, storefront: 1 },
      averageDaysToShip: 2.5,
    });
    // A span that ends before the late shipment leaves it out.
    expect((await promiseReport(f, today, today)).total).toMatchObject({
      shippedOnTime: 1,
      shippedLate: { apology: 0 },
      cancelled: { customer: 1, storefront: 0 },
    });
  });
});
