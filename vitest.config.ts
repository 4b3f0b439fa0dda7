import { defineConfig } from "vitest/config";

// Unit tests need nothing running; infra tests read the cloud assembly `cdk synth` wrote
// (their global setup synthesizes when it is missing or stale). Integration tests start the
// emulators they use themselves; e2e tests share one local stack started by the global
// setup (or target a deployed stage when BACKORDER_E2E_BASE_URL is set, which runs only
// the contract suite).
const deployed = Boolean(process.env.BACKORDER_E2E_BASE_URL);

export default defineConfig({
  test: {
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
          globalSetup: ["test/e2e/global-setup.ts"],
          testTimeout: 60_000,
          hookTimeout: 180_000,
          fileParallelism: false,
        },
      },
    ],
  },
});
