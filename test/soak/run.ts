/**
 * `npm run soak -- --minutes 10 [--seed 7] [--kills 3]`: the soak (soak.ts) for as long as
 * asked, then operations done, faults injected by kind, and each invariant's result.
 * Exits 1 when an invariant fails.
 */
import { parseArgs } from "node:util";
import { formatInvariantResults } from "./invariants.ts";
import { runSoak, SOAK_FAULTS, soakReport } from "./soak.ts";

const { values } = parseArgs({
  options: {
    minutes: { type: "string", default: "10" },
    seed: { type: "string", default: "7" },
    kills: { type: "string", default: "3" },
    operations: { type: "string" },
    keep: { type: "boolean", default: false },
  },
});
const minutes = Number(values.minutes);
const seed = Number(values.seed);
const kills = Number(values.kills);
const operations = values.operations === undefined ? undefined : Number(values.operations);
if (!(minutes > 0) || !Number.isInteger(seed) || !Number.isInteger(kills) || kills < 0) {
  console.error("usage: npm run soak -- [--minutes 10] [--seed 7] [--kills 3] [--operations N]");
  process.exit(2);
}
console.log(
  `soak: ${minutes} min, seed ${seed}, ${kills} SIGKILL restarts, faults ${JSON.stringify(SOAK_FAULTS)}`,
);
const result = await runSoak({
  seed,
  minutes,
  ...(operations === undefined ? {} : { operations }),
  kills,
  keepData: values.keep,
  faults: { ...SOAK_FAULTS, seed },
  log: (line) => console.log(line),
});
console.log(`\n${soakReport(result, formatInvariantResults)}`);
process.exit(result.invariants.every((r) => r.ok) ? 0 : 1);
