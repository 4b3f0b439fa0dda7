import { rmSync } from "node:fs";
import type { TestProject } from "vitest/node";
import type { LocalStackManifest } from "../../infra/local/stack.ts";
import { localTemplate } from "../../infra/local/template.ts";
import { startStackProcess } from "./stack-process.ts";

declare module "vitest" {
  export interface ProvidedContext {
    /** The local stack the e2e tests run against, or null when they target a deployed stage. */
    stack: LocalStackManifest | null;
    apiUrl: string;
  }
}

/**
 * Starts one local stack (`npm start --fresh` on free ports and a temporary data dir) that
 * the e2e files share (files that move the virtual clock start their own, own-stack.ts),
 * or, with BACKORDER_E2E_BASE_URL set, points the contract suite at a deployed stage.
 */
export default async function setup(project: TestProject) {
  const deployed = process.env.BACKORDER_E2E_BASE_URL;
  if (deployed) {
    project.provide("stack", null);
    project.provide("apiUrl", deployed.replace(/\/+$/, ""));
    return;
  }
  // Synthesize (or find in .cache) the template once, before several stacks start at once.
  await localTemplate();
  const stack = await startStackProcess({ fresh: true });
  project.provide("stack", stack.manifest);
  project.provide("apiUrl", stack.manifest.urls.api);
  return async () => {
    await stack.stop();
    rmSync(stack.dataDir, { recursive: true, force: true });
  };
}
