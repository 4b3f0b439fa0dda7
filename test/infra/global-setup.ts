import { spawnSync } from "node:child_process";
import { ASSEMBLY_DIR, isFreshAssembly } from "../../infra/assembly.ts";
import { repoRoot } from "../../infra/paths.ts";

/**
 * The infra tests read the cloud assembly `cdk synth` wrote to cdk.out (`npm test` runs it
 * first), so the functions are bundled once per run. Run on their own, or after a source
 * changed, they run `npm run synth` here first: the same synthesis, with cdk-nag.
 */
export default function setup() {
  if (isFreshAssembly(ASSEMBLY_DIR)) return;
  const synth = spawnSync("npm", ["run", "synth", "--", "--quiet"], {
    cwd: repoRoot,
    encoding: "utf8",
    maxBuffer: 64 * 1024 * 1024,
  });
  // A cdk-nag failure still leaves a stamped assembly (and its report) for nag.test.ts to
  // show; anything else that stops synthesis is an error here.
  if (!isFreshAssembly(ASSEMBLY_DIR)) {
    const output = `${synth.stdout ?? ""}${synth.stderr ?? ""}`.slice(-6000);
    throw new Error(`npm run synth did not produce a cloud assembly (${synth.status}):\n${output}`);
  }
}
