import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";

/** The repository root, found from this file's location (never a machine path). */
export const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), "..");
