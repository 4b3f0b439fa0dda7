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
 * The shared stack serves every e2e file at once, as one account would serve many shops:
 * its email and payment rates are an account's raised ones (SES 100/s, Stripe live mode),
 * engine and stand-ins alike, so one file's queue does not hold up another's. The files
 * that test the rates themselves start stacks of their own at the limits they test.
 */
const SHARED_STACK_RATES = {
  BACKORDER_RATE_EMAILS: "100",
  BACKORDER_RATE_PAYMENTS: "100",
  BACKORDER_LOCAL_LIMITS: JSON.stringify({ ses: { perSecond: 100 }, payments: { perSecond: 100 } }),
};

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
  // Thrown away after the run: DynamoDB Local keeps its data in memory (infra/local/stack.ts).
  const stack = await startStackProcess({
    fresh: true,
    env: { BACKORDER_DYNAMODB_IN_MEMORY: "1", ...SHARED_STACK_RATES },
  });
  project.provide("stack", stack.manifest);
  project.provide("apiUrl", stack.manifest.urls.api);
  return async () => {
    await stack.stop();
    rmSync(stack.dataDir, { recursive: true, force: true });
  };
}
