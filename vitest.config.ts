import { availableParallelism } from "node:os";
import { defineConfig } from "vitest/config";

// Unit tests need nothing running; infra tests read the cloud assembly `cdk synth` wrote
// (their global setup synthesizes when it is missing or stale). Integration tests start the
// emulators they use themselves. e2e files share one local stack started by the global
// setup, and run in parallel; files that move the virtual clock start a stack of their own
// (test/e2e/own-stack.ts). With BACKORDER_E2E_BASE_URL set, e2e targets a deployed stage
// and runs only the contract suite.
const deployed = Boolean(process.env.BACKORDER_E2E_BASE_URL);
const BIG_DAY = "test/e2e/local/big-day.test.ts";

export default defineConfig({
  test: {
    // Much of the e2e and integration time is waiting on a stack or an emulator in another
    // process, so at least 3 files run at once, also on 2 cores (vitest's default would be
    // cores - 1: one file at a time there). `npm test -- --maxWorkers=N` overrides it.
    maxWorkers: Math.max(3, availableParallelism() - 1),
    projects: [
      {
        test: { name: "unit", include: ["test/unit/**/*.test.ts"], environment: "node" },
      },
      {
        test: {
          name: "infra",
          include: ["test/infra/**/*.test.ts"],
          globalSetup: ["test/infra/global-setup.ts"],
          testTimeout: 120_000,
          hookTimeout: 120_000,
        },
      },
      {
        test: {
          name: "integration",
          include: ["test/integration/**/*.test.ts"],
          testTimeout: 60_000,
          hookTimeout: 120_000,
        },
      },
      {
        test: {
          name: "e2e",
          include: deployed ? ["test/e2e/contract/**/*.test.ts"] : ["test/e2e/**/*.test.ts"],
          exclude: [BIG_DAY],
          globalSetup: ["test/e2e/global-setup.ts"],
          testTimeout: 60_000,
          hookTimeout: 180_000,
        },
      },
      // The big day runs after every other file, alone: it proves the storefront is answered
      // within a 5 s gateway cut while a receipt fans out, which on 2 cores shared with a
      // dozen other stacks' work would test the machine, not the code.
      ...(deployed
        ? []
        : [
            {
              test: {
                name: "e2e-big-day",
                include: [BIG_DAY],
                sequence: { groupOrder: 1 },
                testTimeout: 60_000,
                hookTimeout: 180_000,
              },
            },
          ]),
    ],
  },
});
