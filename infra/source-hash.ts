import { createHash } from "node:crypto";
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { join, relative, sep } from "node:path";
import { repoRoot } from "./paths.ts";

/** What the synthesized template and the bundled functions are made from. */
export const SOURCE_INPUTS = [
  "infra",
  "functions",
  "shared",
  "cdk.json",
  "package.json",
  "package-lock.json",
  "tsconfig.json",
] as const;

function filesUnder(path: string): string[] {
  if (!existsSync(path)) return [];
  if (!statSync(path).isDirectory()) return [path];
  return readdirSync(path, { withFileTypes: true })
    .filter((entry) => entry.name !== "node_modules" && !entry.name.startsWith("."))
    .flatMap((entry) => filesUnder(join(path, entry.name)));
}

/**
 * A SHA-256 over the path and content of every file the CDK app is built from (see
 * SOURCE_INPUTS), so a cached template or cloud assembly can tell whether it is stale.
 */
export function sourceHash(root: string = repoRoot): string {
  const hash = createHash("sha256");
  const files = SOURCE_INPUTS.flatMap((input) => filesUnder(join(root, input)))
    .map((file) => ({ file, name: relative(root, file).split(sep).join("/") }))
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  for (const { file, name } of files) {
    hash.update(`${name}\0`);
    hash.update(readFileSync(file));
    hash.update("\0");
  }
  return hash.digest("hex");
}
