import { spawnSync } from "node:child_process";
import { copyFileSync, existsSync, mkdirSync, rmSync, statSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { ASSEMBLY_DIR, isFreshAssembly, readStackTemplate } from "../../infra/assembly.ts";
import { FUNCTION_METADATA_KEY } from "../../infra/constructs/function-metadata.ts";
import { repoRoot } from "../../infra/paths.ts";

/** Issue 14's targets for every function. */
export const BUNDLE_TARGET_KB = 250;
export const INIT_TARGET_MS = 150;

/** Fresh processes each bundle's init is measured in (the median is reported). */
const INIT_RUNS = Number(process.env.BENCH_INIT_RUNS ?? 9);

export interface BundleFigures {
  function: string;
  "bundle KB": number;
  "init ms (median)": number;
  "init ms (min–max)": string;
  "within target": string;
}

interface TemplateFunction {
  Type: string;
  Metadata?: Record<string, unknown>;
  Properties?: { Environment?: { Variables?: Record<string, unknown> } };
}

/** The template after `npm run synth` (run first when cdk.out is missing or stale). */
function freshTemplate(): Record<string, TemplateFunction> {
  if (!isFreshAssembly(ASSEMBLY_DIR)) {
    const synth = spawnSync("npm", ["run", "synth", "--", "--quiet"], {
      cwd: repoRoot,
      encoding: "utf8",
      maxBuffer: 64 * 1024 * 1024,
    });
    if (synth.status !== 0) throw new Error(`npm run synth failed:\n${synth.stderr}`);
  }
  return readStackTemplate<{ Resources: Record<string, TemplateFunction> }>().Resources;
}

/** Milliseconds a fresh Node process takes to import (initialize) the module at `file`. */
function initMs(file: string, nodeOptions: string): number {
  const script = `const t = performance.now(); await import(${JSON.stringify(pathToFileURL(file).href)}); process.stdout.write(String(performance.now() - t));`;
  const run = spawnSync(process.execPath, ["--input-type=module", "-e", script], {
    cwd: repoRoot,
    encoding: "utf8",
    env: {
      PATH: process.env.PATH ?? "",
      NODE_OPTIONS: nodeOptions,
      AWS_REGION: "us-east-1",
      AWS_ACCESS_KEY_ID: "bench",
      AWS_SECRET_ACCESS_KEY: "bench",
    },
  });
  if (run.status !== 0) throw new Error(`importing ${file} failed:\n${run.stderr}`);
  return Number(run.stdout);
}

const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] as number;
};

/**
 * Every function's bundle as `cdk synth` made it (the asset's `index.mjs`): its size, and
 * the time a fresh Node process takes to load it (module init, what a cold start pays
 * before the handler runs), with the NODE_OPTIONS the function is deployed with. Each
 * bundle carries the AWS SDK clients its access uses, at the pinned version (not the
 * runtime's); it is loaded from a copy under `.cache/`.
 */
export function bundleFigures(): BundleFigures[] {
  const resources = freshTemplate();
  const scratch = join(repoRoot, ".cache", "bench-bundles");
  rmSync(scratch, { recursive: true, force: true });
  const bundles: { name: string; file: string; nodeOptions: string; kb: number }[] = [];
  for (const resource of Object.values(resources)) {
    const name = resource.Metadata?.[FUNCTION_METADATA_KEY];
    const asset = resource.Metadata?.["aws:asset:path"];
    if (resource.Type !== "AWS::Lambda::Function" || typeof name !== "string") continue;
    if (typeof asset !== "string") throw new Error(`${name} has no asset path`);
    const dir = join(ASSEMBLY_DIR, asset);
    const copy = join(scratch, name);
    mkdirSync(copy, { recursive: true });
    copyFileSync(join(dir, "index.mjs"), join(copy, "index.mjs"));
    if (existsSync(join(dir, "index.mjs.map"))) {
      copyFileSync(join(dir, "index.mjs.map"), join(copy, "index.mjs.map"));
    }
    bundles.push({
      name,
      file: join(copy, "index.mjs"),
      nodeOptions: String(resource.Properties?.Environment?.Variables?.NODE_OPTIONS ?? ""),
      kb: Math.round(statSync(join(dir, "index.mjs")).size / 102.4) / 10,
    });
  }
  // Round by round, every bundle once a round: a slow spell of the machine falls on every
  // function alike, not on the few measured in it.
  const times = new Map(bundles.map((b) => [b.name, [] as number[]]));
  for (let run = 0; run < INIT_RUNS; run++) {
    for (const b of bundles) times.get(b.name)?.push(initMs(b.file, b.nodeOptions));
  }
  const rows: BundleFigures[] = bundles.map(({ name, kb }) => {
    const runs = times.get(name) ?? [];
    const ms = Math.round(median(runs));
    return {
      function: name,
      "bundle KB": kb,
      "init ms (median)": ms,
      "init ms (min–max)": `${Math.round(Math.min(...runs))}–${Math.round(Math.max(...runs))}`,
      "within target": [
        kb <= BUNDLE_TARGET_KB ? "size yes" : "size no",
        ms <= INIT_TARGET_MS ? "init yes" : "init no",
      ].join(", "),
    };
  });
  rmSync(scratch, { recursive: true, force: true });
  return rows.sort((a, b) => a.function.localeCompare(b.function));
}
