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
      faults: { ...SOAK_FAULTS, seed: 11 },
    });
    console.log(soakReport(result, formatInvariantResults));
    expect(result.operationsDone).toBe(120);
    expect(result.kills).toBe(1);
    // Faults of every kind were met, and the orders placed became lines.
    const kinds = Object.keys(result.faultsInjected).map((k) => k.split(" ")[0]);
    for (const kind of ["sdk", "crash", "ses", "sfn", "lambda", "payments"]) {
      expect(kinds, `faults injected: ${JSON.stringify(result.faultsInjected)}`).toContain(kind);
    }
    expect(result.lines).toBeGreaterThan(40);
    const failed = result.invariants.filter((r) => !r.ok);
    expect(failed.map((r) => `${r.name}: ${r.violations.slice(0, 3).join("; ")}`)).toEqual([]);
    expect(result.invariants.filter((r) => r.skipped).map((r) => r.name)).toEqual([]);
  }, 300_000);
});
