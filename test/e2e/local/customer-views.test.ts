import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { type Browser, chromium, type Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { repoRoot } from "../../../infra/paths.ts";
import { chromiumPath } from "../../../infra/tools/chromium.ts";
import { sampleContext } from "../../../infra/tools/email-samples.ts";
import { NOTIFICATION_KINDS } from "../../../shared/domain/notifications.ts";
import { renderEmail } from "../../../shared/emails/render.ts";
import { api, apiUrl, eventually, keys, newSku, orderBody, postOrder, putSku } from "../support.ts";
import { emailsTo } from "./support-local.ts";

/**
 * What the customer sees, in a real browser (Debian's headless Chromium driven by
 * playwright-core): every email kind as the templates render it, and the order page served
 * by the local stack, whose buttons act. Screenshots go to test/artifacts/.
 */
const ARTIFACTS = join(repoRoot, "test", "artifacts");
let browser: Browser;

beforeAll(async () => {
  mkdirSync(ARTIFACTS, { recursive: true });
  browser = await chromium.launch({ executablePath: chromiumPath(), args: ["--no-sandbox"] });
}, 600_000);

afterAll(async () => {
  await browser?.close();
});

/** Problems a reader would see: images that did not load, a page wider than the screen. */
async function looksWhole(page: Page, width: number) {
  await page.setViewportSize({ width, height: 800 });
  const broken = await page.$$eval(
    "img",
    (imgs) => imgs.filter((img) => !img.complete || img.naturalWidth === 0).length,
  );
  const scrollWidth = Number(await page.evaluate("document.documentElement.scrollWidth"));
  return { broken, fitsWidth: scrollWidth <= width };
}

describe("every email kind in a browser", () => {
  it.each(NOTIFICATION_KINDS)(
    "%s: reads as a person would read it, on a desktop and a phone",
    async (kind) => {
      const ctx = sampleContext(kind);
      const email = renderEmail(kind, ctx);
      const page = await browser.newPage({ viewport: { width: 680, height: 900 } });
      try {
        await page.setContent(email.html, { waitUntil: "load" });
        // biome-ignore lint/performance/useDomNodeTextContent: the rendered text is what a person reads
        const text = await page.innerText("body");
        for (const line of ctx.lines) expect(text).toContain(line.name ?? line.sku);
        expect(text).toContain(ctx.shop.supportEmail);
        expect(text).toContain(ctx.shop.footer);
        // Every link a person can press goes somewhere real: the order page, an action on
        // it, a carrier, the shop, or its support address.
        const hrefs = await page.$$eval("a", (links) => links.map((a) => a.getAttribute("href")));
        expect(hrefs.length).toBeGreaterThan(0);
        for (const href of hrefs) expect(href).toMatch(/^(https:\/\/|mailto:)/);
        expect(
          await page.getByRole("link", { name: /View order|Update your payment/ }).count(),
        ).toBe(1);
        expect(await looksWhole(page, 680)).toEqual({ broken: 0, fitsWidth: true });
        await page.setViewportSize({ width: 680, height: 900 });
        await page.screenshot({ path: join(ARTIFACTS, `email-${kind}.png`), fullPage: true });
        // A phone: the layout narrows, nothing runs off the side.
        expect(await looksWhole(page, 375)).toEqual({ broken: 0, fitsWidth: true });
      } finally {
        await page.close();
      }
    },
  );
});

describe("the order page in a browser", () => {
  it("shows the line in words and dates, offers only sellable substitutes, and takes one", async () => {
    const [lamp, oak, ash] = [newSku("LAMP"), newSku("OAK"), newSku("ASH")];
    await putSku(oak, { name: "Oak desk lamp", onHand: 3 });
    await putSku(ash, { name: "Ash desk lamp", onHand: 0, backorder: { allowed: false } });
    await putSku(lamp, {
      name: "Walnut desk lamp",
      onHand: 0,
      backorder: { allowed: true, leadTimeDays: 12 },
      substitutes: [oak, ash],
    });
    const body = orderBody([{ lineRef: "1", sku: lamp, qty: 1, unitPrice: 8900 }]);
    const placed = await postOrder(body);
    expect(placed.status, placed.text).toBe(201);
    const orderId = String(placed.json.orderId);
    const [email] = await eventually(async () => {
      const sent = await emailsTo(body.customer.email);
      return sent.length ? sent : undefined;
    });
    const link = [...(email?.body.text ?? "").matchAll(/https?:\/\/\S+/g)]
      .map((m) => new URL(m[0]))
      .find((u) => !u.searchParams.has("action"));
    expect(link).toBeDefined();
    const url = `${apiUrl()}${link?.pathname}${link?.search}`;

    const page = await browser.newPage({ viewport: { width: 760, height: 1000 } });
    try {
      await page.goto(url, { waitUntil: "load" });
      // biome-ignore lint/performance/useDomNodeTextContent: the rendered text is what a person reads
      const text = await page.innerText("body");
      expect(text).toContain("Walnut desk lamp");
      expect(text).toContain("On backorder");
      expect(text).toMatch(/Ships by\s+\w{3}, \w{3} \d{1,2}, \d{4}/);
      expect(text).toContain("$89.00");
      expect(text).toContain("Oak desk lamp");
      expect(text).not.toContain("Ash desk lamp");
      expect(await looksWhole(page, 760)).toEqual({ broken: 0, fitsWidth: true });
      await page.setViewportSize({ width: 760, height: 1000 });
      await page.screenshot({ path: join(ARTIFACTS, "order-page.png"), fullPage: true });

      await page.getByRole("button", { name: "Choose this" }).click();
      await expect.poll(() => page.textContent("#result")).toBe("Done.");
    } finally {
      await page.close();
    }
    const order = await api(`/v1/orders/${orderId}`, { key: keys.storefront });
    const lines = order.json.lines as { sku: string; status: string }[];
    expect(lines.map((l) => [l.sku, l.status === "cancelled" ? "cancelled" : "sold"])).toEqual([
      [lamp, "cancelled"],
      [oak, "sold"],
    ]);
  });
});
