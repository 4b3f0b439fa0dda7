import { join } from "node:path";
import { type Browser, chromium } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { repoRoot } from "../../../infra/paths.ts";
import { chromiumPath } from "../../../infra/tools/chromium.ts";
import { apiUrl } from "../support.ts";

/** The local stack's API reference page (`/docs`), read in headless Chromium. */
let browser: Browser;

beforeAll(async () => {
  browser = await chromium.launch({ executablePath: chromiumPath(), args: ["--no-sandbox"] });
}, 600_000);

afterAll(async () => {
  await browser?.close();
});

describe("the API reference page", () => {
  it("renders every operation of GET /openapi.json", async () => {
    const page = await browser.newPage({ viewport: { width: 1200, height: 1400 } });
    try {
      await page.goto(`${apiUrl()}/docs`, { waitUntil: "load" });
      await page.getByText("Take an order", { exact: false }).first().waitFor();
      const spec = (await (await fetch(`${apiUrl()}/openapi.json`)).json()) as {
        paths: Record<string, Record<string, { summary: string }>>;
      };
      const summaries = Object.values(spec.paths).flatMap((ops) =>
        Object.values(ops).map((op) => op.summary),
      );
      expect(summaries.length).toBeGreaterThan(15);
      for (const summary of summaries) {
        expect(await page.getByText(summary, { exact: true }).count(), summary).toBeGreaterThan(0);
      }
      await page.screenshot({ path: join(repoRoot, "test", "artifacts", "api-reference.png") });
    } finally {
      await page.close();
    }
  });
});
