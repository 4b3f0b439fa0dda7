import { describe, expect, it } from "vitest";
import { ROUTES, routeKeyOf } from "../../../shared/http/routes.ts";
import { type FuzzTarget, fuzz, reportTable, seedFixtures } from "../../fuzz/fuzz.ts";
import { ownStack } from "../own-stack.ts";
import { apiUrl, keys } from "../support.ts";
import { ACME_SECRET, localAdapters, virtualNow } from "./support-local.ts";

/**
 * The bounded fuzz of every route (issue 15; `npm run fuzz` runs a longer one): fixed
 * seeds, so a failure names a request that can be made again. A stack of its own: the
 * table is compared whole around each refused write.
 */
await ownStack();

/** Requests per seed: 250 here (about 15 s); `npm run fuzz` runs more. */
const REQUESTS = 250;
const { store } = localAdapters();

const target: FuzzTarget = {
  apiUrl: apiUrl(),
  keys,
  supplier: { id: "acme", secret: ACME_SECRET },
  linkSecret: "local-customer-link-signing-secret",
  async snapshot() {
    const items = await store.scanAll();
    return new Map(items.map((i) => [`${i.pk}|${i.sk}`, JSON.stringify(i)]));
  },
};

describe("a fuzz of every route", () => {
  it("never answers 5xx, never leaks an internal, and writes nothing when it refuses", async () => {
    const fixtures = await seedFixtures(target, await virtualNow());
    const reports = [];
    for (const seed of [1, 2]) {
      reports.push(await fuzz(target, fixtures, { seed, requests: REQUESTS }));
    }
    console.log(reportTable(reports));
    const failures = reports.flatMap((r) => r.failures.map((f) => `seed ${r.seed} ${f}`));
    expect(failures.slice(0, 20)).toEqual([]);
    // Every route was tried, and the run was not all refusals.
    const tried = new Set(reports.flatMap((r) => Object.keys(r.byRoute)));
    expect(ROUTES.map(routeKeyOf).filter((route) => !tried.has(route))).toEqual([]);
    const taken = reports
      .flatMap((r) => Object.values(r.byRoute))
      .reduce((n, t) => n + t["2xx"], 0);
    expect(taken).toBeGreaterThan(0);
  }, 600_000);
});
