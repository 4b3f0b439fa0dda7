import { describe, expect, it } from "vitest";
import { formatInvariantResults } from "../../soak/invariants.ts";
import { runSoak, SOAK_FAULTS, soakReport } from "../../soak/soak.ts";

/**
 * The bounded soak (issue 15; `npm run soak -- --minutes 10` runs the long one): a fixed
 * seed, 120 operations of the scenario driver under every fault the local stack injects
 * (SDK calls failing, crashes right after a write, a charge or an email, throttled SES, Step
 * Functions, Lambda and payments), one SIGKILL of the whole stack mid-run, then every
 * invariant checked from the table, the mail store and the payment provider's ledger. It
 * starts a stack of its own (soak.ts).
 */
describe("a bounded soak under faults", () => {
  it("keeps every invariant: stock, counters, oldest first, statuses, one charge, one email, orders readable, nothing parked", async () => {
    const result = await runSoak({
      seed: 11,
      operations: 120,
      kills: 1,
      // The rarer calls' faults a little more often, so that a short run meets them.
      faults: {
        ...SOAK_FAULTS,
        seed: 11,
        sendTaskSuccess: { error: "ThrottlingException", rate: 0.15 },
        payments: { rate: 0.1 },
      },
    });
    console.log(soakReport(result, formatInvariantResults));
    expect(result.operationsDone).toBe(120);
    expect(result.kills).toBe(1);
    // Faults were met in number, and of (almost) every kind: which calls a run makes, and so
    // which draws hit, depends on timing, so one rarely met kind may be missed.
    const total = Object.values(result.faultsInjected).reduce((n, c) => n + c, 0);
    expect(total, JSON.stringify(result.faultsInjected)).toBeGreaterThan(60);
    const met = new Set(Object.keys(result.faultsInjected).map((k) => k.split(" ")[0]));
    const kinds = ["sdk", "crash", "ses", "sfn", "lambda", "payments"];
    expect(
      kinds.filter((k) => met.has(k)).length,
      JSON.stringify(result.faultsInjected),
    ).toBeGreaterThanOrEqual(5);
    expect(result.lines).toBeGreaterThan(40);
    const failed = result.invariants.filter((r) => !r.ok);
    expect(failed.map((r) => `${r.name}: ${r.violations.slice(0, 3).join("; ")}`)).toEqual([]);
    expect(result.invariants.filter((r) => r.skipped).map((r) => r.name)).toEqual([]);
  }, 300_000);
});
