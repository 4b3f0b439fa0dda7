import { describe, expect, it } from "vitest";
import { decideDelay } from "../../shared/domain/delays.ts";

const state = (over: Partial<Parameters<typeof decideDelay>[0]> = {}) => ({
  promisedBy: "2026-12-01",
  firstPromisedBy: "2026-12-01",
  eta: null as string | null,
  delays: 0,
  ...over,
});
const TODAY = "2026-12-02";

describe("decideDelay: tiers by how late the revised date is", () => {
  it("1–3 days late the first time: the date moves silently", () => {
    expect(decideDelay(state({ eta: "2026-12-04" }), TODAY)).toEqual({
      kind: "silent",
      promisedBy: "2026-12-04",
    });
  });

  it.each([
    ["2026-12-05", "apology"],
    ["2026-12-08", "apology"],
    ["2026-12-09", "substitutes_shipping_discount"],
    ["2026-12-15", "substitutes_shipping_discount"],
    ["2026-12-16", "substitutes_future_discount"],
  ])("revised %s → %s", (eta, tier) => {
    expect(decideDelay(state({ eta }), TODAY)).toMatchObject({
      kind: "notice",
      tier,
      revised: eta,
      promisedBy: eta,
      consentBy: null,
      delays: 1,
    });
  });

  it("an unknown revised date gets the top tier and needs consent within 30 days", () => {
    expect(decideDelay(state(), TODAY)).toEqual({
      kind: "notice",
      tier: "substitutes_future_discount",
      revised: null,
      promisedBy: "2026-12-01",
      consentBy: "2027-01-01",
      delays: 1,
    });
    // An ETA that has itself passed is no revised date.
    expect(decideDelay(state({ eta: "2026-11-30" }), TODAY)).toMatchObject({ revised: null });
  });
});

describe("decideDelay: silent slips cannot add up", () => {
  it("measures lateness from the date the customer was last told", () => {
    // Slipped silently twice already (to 12-04): the next slip to 12-07 is 6 days past the
    // date the customer knows, so they hear of it.
    expect(
      decideDelay(state({ promisedBy: "2026-12-04", eta: "2026-12-07" }), "2026-12-05"),
    ).toMatchObject({ kind: "notice", tier: "apology", revised: "2026-12-07" });
    expect(
      decideDelay(state({ promisedBy: "2026-12-30", eta: "2027-01-02" }), "2026-12-31"),
    ).toMatchObject({ kind: "notice", tier: "substitutes_future_discount" });
  });
});

describe("decideDelay: the FTC consent rule", () => {
  it("a second delay needs consent by the revised date, even a small one", () => {
    expect(
      decideDelay(
        state({
          promisedBy: "2026-12-08",
          toldPromisedBy: "2026-12-08",
          eta: "2026-12-10",
          delays: 1,
        }),
        "2026-12-09",
      ),
    ).toMatchObject({
      kind: "notice",
      // Nine days past the first promise (2026-12-01): the tier counts from there.
      tier: "substitutes_shipping_discount",
      consentBy: "2026-12-10",
      delays: 2,
    });
    // Two small slips that stay within a week of the first promise: an apology.
    expect(
      decideDelay(
        state({
          promisedBy: "2026-12-05",
          toldPromisedBy: "2026-12-05",
          eta: "2026-12-06",
          delays: 1,
        }),
        "2026-12-06",
      ),
    ).toMatchObject({ kind: "notice", tier: "apology", consentBy: "2026-12-06", delays: 2 });
  });

  it("a first delay of more than 30 days past the first promise needs consent", () => {
    expect(decideDelay(state({ eta: "2027-01-01" }), TODAY)).toMatchObject({
      consentBy: "2027-01-01",
    });
    expect(decideDelay(state({ eta: "2026-12-31" }), TODAY)).toMatchObject({ consentBy: null });
  });

  it("thresholds are configuration", () => {
    const config = {
      silentDays: 0,
      apologyDays: 2,
      substitutesDays: 4,
      consentAfterTotalDays: 5,
      unknownConsentDays: 7,
    };
    expect(decideDelay(state({ eta: "2026-12-02" }), TODAY, config)).toMatchObject({
      kind: "notice",
      tier: "apology",
    });
    expect(decideDelay(state({ eta: "2026-12-07" }), TODAY, config)).toMatchObject({
      tier: "substitutes_future_discount",
      consentBy: "2026-12-07",
    });
  });
});
