import { describe, expect, it } from "vitest";
import { addDays, daysBetween, endOfDay, toIsoDate } from "../../shared/domain/dates.ts";
import {
  DEFAULT_ESCALATION,
  nextEscalation,
  secondsUntil,
} from "../../shared/domain/escalation.ts";

const DAY = 86_400_000;

describe("nextEscalation", () => {
  it("fires at the end of the promised day when that comes before the check-in", () => {
    const point = nextEscalation({
      promisedBy: "2026-03-05",
      lastContactAt: new Date("2026-03-01T10:00:00Z"),
      promiseEscalated: false,
    });
    expect(point.kind).toBe("promise_passed");
    expect(point.at.toISOString()).toBe("2026-03-06T00:00:00.000Z");
  });

  it("checks in first when the promise is further away than the silent period", () => {
    const lastContactAt = new Date("2026-03-01T10:00:00Z");
    const point = nextEscalation({
      promisedBy: "2026-05-01",
      lastContactAt,
      promiseEscalated: false,
    });
    expect(point.kind).toBe("check_in");
    expect(point.at.toISOString()).toBe("2026-03-15T10:00:00.000Z");
  });

  it("checks in N days after the last contact once the promise was escalated", () => {
    const point = nextEscalation({
      promisedBy: "2026-03-05",
      lastContactAt: new Date("2026-03-06T08:30:00Z"),
      promiseEscalated: true,
    });
    expect(point.kind).toBe("check_in");
    expect(point.at.getTime()).toBe(
      new Date("2026-03-06T08:30:00Z").getTime() + DEFAULT_ESCALATION.checkInAfterSilentDays * DAY,
    );
  });

  it("defaults to a 14-day check-in", () => {
    expect(DEFAULT_ESCALATION.checkInAfterSilentDays).toBe(14);
  });

  it("respects the configured silent period", () => {
    const lastContactAt = new Date("2026-03-01T00:00:00Z");
    const line = { promisedBy: "2026-03-10", lastContactAt, promiseEscalated: false };
    // Default: the promise (end of 10 March) comes before a check-in on 15 March.
    expect(nextEscalation(line).kind).toBe("promise_passed");
    // Three silent days: the check-in on 4 March comes first.
    const short = nextEscalation(line, { checkInAfterSilentDays: 3 });
    expect(short).toEqual({ kind: "check_in", at: new Date("2026-03-04T00:00:00Z") });
    const escalated = nextEscalation(
      { ...line, promiseEscalated: true },
      { checkInAfterSilentDays: 7 },
    );
    expect(escalated).toEqual({ kind: "check_in", at: new Date("2026-03-08T00:00:00Z") });
  });

  it("picks the promise when both fall at the same instant", () => {
    const point = nextEscalation(
      {
        promisedBy: "2026-03-01",
        lastContactAt: new Date("2026-02-28T00:00:00Z"),
        promiseEscalated: false,
      },
      { checkInAfterSilentDays: 2 },
    );
    expect(point).toEqual({ kind: "promise_passed", at: new Date("2026-03-02T00:00:00Z") });
  });

  it("returns a promise already in the past as is (it is due now)", () => {
    const point = nextEscalation({
      promisedBy: "2025-12-31",
      lastContactAt: new Date("2026-01-05T00:00:00Z"),
      promiseEscalated: false,
    });
    expect(point).toEqual({ kind: "promise_passed", at: new Date("2026-01-01T00:00:00Z") });
  });
});

describe("secondsUntil", () => {
  const now = new Date("2026-03-01T00:00:00Z");

  it("counts whole seconds", () => {
    expect(secondsUntil(new Date(now.getTime() + 90_000), now)).toBe(90);
  });

  it("rounds a partial second up", () => {
    expect(secondsUntil(new Date(now.getTime() + 1_001), now)).toBe(2);
    expect(secondsUntil(new Date(now.getTime() + 59_999), now)).toBe(60);
  });

  it("is at least 1 for now or the past", () => {
    expect(secondsUntil(now, now)).toBe(1);
    expect(secondsUntil(new Date(now.getTime() - 3_600_000), now)).toBe(1);
    expect(secondsUntil(new Date(now.getTime() + 1), now)).toBe(1);
  });

  it("handles waits longer than setTimeout's range", () => {
    expect(secondsUntil(new Date(now.getTime() + 60 * DAY), now)).toBe(60 * 86_400);
  });
});

describe("dates", () => {
  it("formats a date as YYYY-MM-DD in UTC", () => {
    expect(toIsoDate(new Date("2026-12-31T23:59:59.999Z"))).toBe("2026-12-31");
    expect(toIsoDate(new Date("2027-01-01T00:00:00Z"))).toBe("2027-01-01");
  });

  it("adds days across month, year and leap-day boundaries", () => {
    expect(addDays("2026-01-31", 1)).toBe("2026-02-01");
    expect(addDays("2026-12-31", 1)).toBe("2027-01-01");
    expect(addDays("2026-12-20", 14)).toBe("2027-01-03");
    expect(addDays("2028-02-28", 1)).toBe("2028-02-29");
    expect(addDays("2026-02-28", 1)).toBe("2026-03-01");
    expect(addDays("2027-01-01", -1)).toBe("2026-12-31");
    expect(addDays("2026-03-10", 0)).toBe("2026-03-10");
  });

  it("ends a day at the start of the next UTC day", () => {
    expect(endOfDay("2026-03-31").toISOString()).toBe("2026-04-01T00:00:00.000Z");
    expect(endOfDay("2026-12-31").toISOString()).toBe("2027-01-01T00:00:00.000Z");
    expect(endOfDay("2028-02-28").toISOString()).toBe("2028-02-29T00:00:00.000Z");
  });

  it("counts days between dates, negative when going back", () => {
    expect(daysBetween("2026-12-30", "2027-01-02")).toBe(3);
    expect(daysBetween("2026-02-01", "2026-03-01")).toBe(28);
    expect(daysBetween("2028-02-01", "2028-03-01")).toBe(29);
    expect(daysBetween("2027-01-02", "2026-12-30")).toBe(-3);
    expect(daysBetween("2026-05-05", "2026-05-05")).toBe(0);
    expect(daysBetween("2026-01-01", "2027-01-01")).toBe(365);
  });

  it("round-trips addDays and daysBetween", () => {
    for (const n of [1, 13, 30, 45, 366]) {
      expect(daysBetween("2026-11-20", addDays("2026-11-20", n))).toBe(n);
    }
  });
});
