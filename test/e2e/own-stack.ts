import { rmSync } from "node:fs";
import { afterAll } from "vitest";
import { type StartOptions, startStackProcess } from "./stack-process.ts";
import { useStack } from "./support.ts";

/**
 * Gives the calling test file a local stack of its own (`npm start --fresh` on free ports
 * and a temporary data directory), stopped after the file. For files that move the
 * virtual clock, which would otherwise move it under every file sharing the suite's stack.
 * Call it with top-level await before anything reads the stack:
 *
 *     await ownStack();
 *
 * Files that inject faults (`/_local/faults`) need one too: faults hold for the whole stack.
 */
export async function ownStack(options: Pick<StartOptions, "env"> = {}): Promise<void> {
  // Thrown away after the file: DynamoDB Local keeps its data in memory (infra/local/stack.ts).
  const stack = await startStackProcess({
    env: { BACKORDER_DYNAMODB_IN_MEMORY: "1", ...options.env },
    fresh: true,
  });
  useStack(stack.manifest);
  afterAll(async () => {
    useStack(undefined);
    await stack.stop();
    rmSync(stack.dataDir, { recursive: true, force: true });
  });
}
