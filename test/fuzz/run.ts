/**
 * `npm run fuzz -- --requests 3000 --seeds 1,2`: the route fuzzer (fuzz.ts) on a stack of its
 * own, longer than the suite's bounded run; prints requests by route, 2xx, 4xx and 5xx, and
 * every failure with its seed and request number. Exits 1 when anything failed.
 */
import { rmSync } from "node:fs";
import { parseArgs } from "node:util";
import { startStackProcess } from "../e2e/stack-process.ts";
import { TestTable } from "../support/table.ts";
import { type FuzzReport, type FuzzTarget, fuzz, reportTable, seedFixtures } from "./fuzz.ts";

const { values } = parseArgs({
  options: {
    requests: { type: "string", default: "3000" },
    seeds: { type: "string", default: "1,2" },
  },
});
const requests = Number(values.requests);
const seeds = values.seeds.split(",").map(Number);
if (!Number.isInteger(requests) || requests <= 0 || seeds.some((s) => !Number.isInteger(s))) {
  console.error("usage: npm run fuzz -- [--requests N] [--seeds 1,2,3]");
  process.exit(2);
}

console.log(`starting a stack of its own (npm start --fresh, DynamoDB in memory) …`);
const stack = await startStackProcess({ env: { BACKORDER_DYNAMODB_IN_MEMORY: "1" }, fresh: true });
let failed = true;
try {
  process.env.AWS_REGION = "us-east-1";
  process.env.AWS_ACCESS_KEY_ID = "local";
  process.env.AWS_SECRET_ACCESS_KEY = "local";
  process.env.AWS_ENDPOINT_URL_DYNAMODB = stack.manifest.urls.dynamodb;
  const table = new TestTable(stack.manifest.tableName);
  const target: FuzzTarget = {
    apiUrl: stack.manifest.urls.api,
    keys: { storefront: "local-storefront-key", warehouse: "local-warehouse-key" },
    supplier: { id: "acme", secret: "whsec_bG9jYWwtYWNtZS1zdXBwbGllci1zZWNyZXQtMDAwMQ==" },
    linkSecret: "local-customer-link-signing-secret",
    async snapshot() {
      const items = await table.scanAll();
      return new Map(items.map((i) => [`${i.pk}|${i.sk}`, JSON.stringify(i)]));
    },
  };
  const clock = (await (await fetch(`${target.apiUrl}/_local/clock`)).json()) as { now: string };
  const fixtures = await seedFixtures(target, new Date(clock.now));
  const reports: FuzzReport[] = [];
  const started = Date.now();
  for (const seed of seeds) {
    console.log(`seed ${seed}: ${requests} requests …`);
    reports.push(await fuzz(target, fixtures, { seed, requests }));
  }
  console.log(`\n${reportTable(reports)}\n`);
  const failures = reports.flatMap((r) => r.failures.map((f) => `seed ${r.seed} ${f}`));
  console.log(
    `${reports.length * requests} requests in ${((Date.now() - started) / 1000).toFixed(0)} s; ${failures.length} failures`,
  );
  for (const f of failures.slice(0, 50)) console.log(`  ${f}`);
  failed = failures.length > 0;
} finally {
  await stack.stop();
  rmSync(stack.dataDir, { recursive: true, force: true });
}
process.exit(failed ? 1 : 0);
