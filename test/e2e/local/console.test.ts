import { randomUUID } from "node:crypto";
import { join } from "node:path";
import { type Browser, chromium, type Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { repoRoot } from "../../../infra/paths.ts";
import { chromiumPath } from "../../../infra/tools/chromium.ts";
import { addDays, toIsoDate } from "../../../shared/domain/dates.ts";
import { ownStack } from "../own-stack.ts";
import {
  allPages,
  api,
  apiUrl,
  eventually,
  keys,
  orderBody,
  postOrder,
  putSku,
  settled,
} from "../support.ts";
import { advanceClock, asnFor, postAsn, virtualNow } from "./support-local.ts";

// The console's book and promise figures are this file's alone: a stack of its own, whose
// virtual clock it moves to age the lines.
await ownStack();

const DAY = 86_400;
const tag = randomUUID().slice(0, 6).toUpperCase();
const lamp = `LAMP-${tag}`;
const chair = `CHAIR-${tag}`;
const vase = `VASE-${tag}`;
const ada = `ada.${tag.toLowerCase()}@example.com`;
const grace = `grace.${tag.toLowerCase()}@example.com`;

interface PlacedLine {
  lineId: string;
  sku: string;
  status: string;
}
interface Placed {
  orderId: string;
  orderRef: string;
  lines: PlacedLine[];
}

async function place(ref: string, email: string, name: string, lines: [string, number][]) {
  const res = await postOrder(
    orderBody(
      lines.map(([sku, qty], i) => ({ lineRef: String(i + 1), sku, qty, unitPrice: 4500 })),
      { orderRef: ref, customer: { email, name } },
    ),
  );
  expect(res.status, res.text).toBe(201);
  return res.json as unknown as Placed;
}

const lineOf = (order: Placed, sku: string) => {
  const line = order.lines.find((l) => l.sku === sku && l.status === "backordered");
  if (!line) throw new Error(`no backordered ${sku} line in ${order.orderRef}`);
  return line;
};

let first: Placed;
let second: Placed;
let third: Placed;
let asnId: string;
let browser: Browser;

beforeAll(async () => {
  for (const [sku, name, onHand, lead] of [
    [lamp, "Walnut desk lamp", 0, 14],
    [chair, "Oak chair", 1, 21],
    [vase, "Stoneware vase", 0, 10],
  ] as const) {
    await putSku(sku, {
      name,
      onHand,
      backorder: { allowed: true, limit: 40, leadTimeDays: lead },
    });
  }
  first = await place(`CON-${tag}-1`, ada, "Ada Lovelace", [
    [lamp, 2],
    [chair, 1],
  ]);
  // The chair in stock is charged and its shipment requested: the warehouse ships it
  // the same day (on time).
  const shipment = await eventually(
    async () =>
      (
        await allPages<{ shipmentId: string; orderId: string }>(
          "/v1/shipments?status=requested",
          "shipments",
          keys.warehouse,
        )
      ).find((s) => s.orderId === first.orderId),
    { what: "the chair's shipment requested", timeoutMs: 60_000 },
  );
  const shipped = await api(`/v1/shipments/${shipment.shipmentId}/shipped`, {
    method: "POST",
    key: keys.warehouse,
    body: { carrier: "UPS", trackingNumber: `1Z${tag}` },
  });
  expect(shipped.status, shipped.text).toBe(200);
  await settled();
  await advanceClock(20 * DAY);
  second = await place(`CON-${tag}-2`, grace, "Grace Hopper", [
    [lamp, 1],
    [vase, 3],
  ]);
  await settled();
  await advanceClock(10 * DAY);
  third = await place(`CON-${tag}-3`, ada, "Ada Lovelace", [
    [vase, 1],
    [chair, 2],
  ]);
  const today = toIsoDate(await virtualNow());
  const notice = asnFor(lamp, 2, addDays(today, 5));
  asnId = notice.asnId;
  const posted = await postAsn("acme", notice);
  expect(posted.status, posted.text).toBeLessThan(300);
  const cancelled = await api(
    `/v1/orders/${second.orderId}/lines/${lineOf(second, vase).lineId}/cancel`,
    { method: "POST", key: keys.storefront },
  );
  expect(cancelled.status, cancelled.text).toBe(200);
  await eventually(
    async () => {
      const res = await api("/v1/reports/promises", { key: keys.storefront });
      const total = res.json.total as { shippedOnTime: number } | undefined;
      return (total?.shippedOnTime ?? 0) >= 1 ? true : undefined;
    },
    { what: "the shipped chair in the promise report" },
  );
  await settled();
  browser = await chromium.launch({ executablePath: chromiumPath(), args: ["--no-sandbox"] });
}, 600_000);

afterAll(async () => {
  await browser?.close();
});

describe("GET /v1/orders (search)", () => {
  it("finds an order by its ref", async () => {
    const res = await api(`/v1/orders?orderRef=${encodeURIComponent(first.orderRef)}`, {
      key: keys.storefront,
    });
    expect(res.status, res.text).toBe(200);
    expect(res.json).toMatchObject({
      orders: [{ orderId: first.orderId, orderRef: first.orderRef, customer: { email: ada } }],
      nextCursor: null,
    });
  });

  it("finds a customer's orders by email in any case, newest first, a page at a time", async () => {
    const shouted = encodeURIComponent(ada.toUpperCase());
    const all = await api(`/v1/orders?email=${shouted}`, { key: keys.storefront });
    expect(all.status, all.text).toBe(200);
    const ids = (all.json.orders as { orderId: string }[]).map((o) => o.orderId);
    expect(ids).toEqual([third.orderId, first.orderId]);
    const page = await api(`/v1/orders?email=${shouted}&limit=1`, { key: keys.storefront });
    expect((page.json.orders as { orderId: string }[]).map((o) => o.orderId)).toEqual([
      third.orderId,
    ]);
    const cursor = encodeURIComponent(String(page.json.nextCursor));
    const next = await api(`/v1/orders?email=${shouted}&limit=1&cursor=${cursor}`, {
      key: keys.storefront,
    });
    expect(next.json).toMatchObject({ orders: [{ orderId: first.orderId }], nextCursor: null });
  });

  it("answers an empty page for an unknown ref, and refuses a query that names neither or both", async () => {
    const none = await api(`/v1/orders?orderRef=NOPE-${tag}`, { key: keys.storefront });
    expect(none.json).toEqual({ orders: [], nextCursor: null });
    for (const query of ["", `?orderRef=${first.orderRef}&email=${ada}`]) {
      const res = await api(`/v1/orders${query}`, { key: keys.storefront });
      expect(res.status, query).toBe(400);
      expect(res.headers.get("content-type")).toContain("application/problem+json");
    }
    expect((await api(`/v1/orders?orderRef=${first.orderRef}`)).status).toBe(401);
    const warehouse = await api(`/v1/orders?orderRef=${first.orderRef}`, { key: keys.warehouse });
    expect(warehouse.status).toBe(403);
  });
});

describe("GET /v1/orders/{orderId}/lines/{lineId}/timeline", () => {
  it("tells a waiting line's statuses, emails and workflow waits in order", async () => {
    const line = lineOf(first, lamp);
    const res = await api(`/v1/orders/${first.orderId}/lines/${line.lineId}/timeline`, {
      key: keys.storefront,
    });
    expect(res.status, res.text).toBe(200);
    const events = res.json.events as { at: string; kind: string; [k: string]: unknown }[];
    expect(events.map((e) => e.at)).toEqual(events.map((e) => e.at).sort());
    expect(events[0]).toMatchObject({ kind: "status", status: "backordered" });
    expect(events).toContainEqual(
      expect.objectContaining({ kind: "email", email: "backordered", to: ada, state: "sent" }),
    );
    expect(events).toContainEqual(
      expect.objectContaining({ kind: "run_started", execution: line.lineId }),
    );
    expect(events).toContainEqual(expect.objectContaining({ kind: "parked", wait: "stock" }));
    expect(res.json.line).toMatchObject({ lineId: line.lineId, sku: lamp, status: "backordered" });
  });

  it("tells a cancelled line's cancel and its email", async () => {
    const line = lineOf(second, vase);
    const res = await api(`/v1/orders/${second.orderId}/lines/${line.lineId}/timeline`, {
      key: keys.storefront,
    });
    const kinds = (res.json.events as { kind: string; status?: string; email?: string }[]).map(
      (e) => e.status ?? e.email ?? e.kind,
    );
    expect(kinds).toContain("cancelled");
    expect(kinds.indexOf("cancelled")).toBeGreaterThan(kinds.indexOf("backordered"));
    expect(res.json.line).toMatchObject({ status: "cancelled", cancelReason: "storefront" });
  });

  it("refuses a malformed id (400), no key (401) and the warehouse's key (403)", async () => {
    const path = `/v1/orders/${first.orderId}/lines/${lineOf(first, lamp).lineId}/timeline`;
    const bad = await api(`/v1/orders/${first.orderId}/lines/not%20an%20id/timeline`, {
      key: keys.storefront,
    });
    expect(bad.status).toBe(400);
    expect(bad.headers.get("content-type")).toContain("application/problem+json");
    expect((await api(path)).status).toBe(401);
    expect((await api(path, { key: keys.warehouse })).status).toBe(403);
  });

  it("answers 404 for a line not in the order", async () => {
    const res = await api(
      `/v1/orders/${first.orderId}/lines/${lineOf(second, lamp).lineId}/timeline`,
      { key: keys.storefront },
    );
    expect(res.status).toBe(404);
  });
});

describe("SES feedback (the local SES plays SES's mailbox simulator)", () => {
  it("marks a bounced and a complained-of email on their line's timeline", async () => {
    for (const [address, status] of [
      ["bounce@simulator.amazonses.com", "bounced"],
      ["complaint@simulator.amazonses.com", "complained"],
    ] as const) {
      const placed = await place(`CON-${tag}-${status}`, address, "Sim Ulator", [[vase, 1]]);
      const line = lineOf(placed, vase);
      const email = await eventually(
        async () => {
          const res = await api(`/v1/orders/${placed.orderId}/lines/${line.lineId}/timeline`, {
            key: keys.storefront,
          });
          return (
            res.json.events as { kind: string; email?: string; delivery?: { status: string } }[]
          ).find((e) => e.kind === "email" && e.email === "backordered" && e.delivery);
        },
        { what: `the ${status} email marked`, timeoutMs: 30_000 },
      );
      expect(email.delivery).toMatchObject({ status });
    }
  });
});

/** Errors the page logs (a script failing, a Content-Security-Policy violation). */
function pageErrors(page: Page): string[] {
  const errors: string[] = [];
  page.on("console", (message) => {
    if (message.type() === "error") errors.push(message.text());
  });
  page.on("pageerror", (error) => errors.push(error.message));
  return errors;
}

async function signIn(page: Page) {
  await page.getByLabel("Storefront key").fill("not-the-key");
  await page.getByRole("button", { name: "Sign in" }).click();
  await page.getByText("That key was refused.").waitFor();
  await page.getByLabel("Storefront key").fill(keys.storefront);
  await page.getByRole("button", { name: "Sign in" }).click();
  await page.getByRole("heading", { name: "Backorder book" }).waitFor();
}

describe("the operator console (/console)", () => {
  it("is a page with no data of its own, locked down by its headers", async () => {
    const res = await fetch(`${apiUrl()}/console`);
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toContain("text/html");
    expect(res.headers.get("content-security-policy")).toContain("script-src 'self'");
    expect(await res.text()).not.toContain(tag);
    expect((await fetch(`${apiUrl()}/console/secrets.txt`)).status).toBe(404);
  });

  it("shows the backorder book with aging bars and a SKU's inbound notices", async () => {
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    const errors = pageErrors(page);
    try {
      await page.goto(`${apiUrl()}/console`);
      await signIn(page);
      const row = page.locator("tr.row", { hasText: lamp });
      await row.waitFor();
      // The lamp: 2 lines waiting (30 and 10 days), 3 units, 2 inbound, 1 short.
      const cells = await row.locator("td").allInnerTexts();
      expect(cells.slice(0, 8)).toEqual([
        lamp,
        "Walnut desk lamp",
        "2",
        "3",
        "30",
        "2",
        expect.any(String),
        "1",
      ]);
      expect(cells[8]).toBe("3 of 40");
      await expect
        .poll(() => page.locator("canvas[aria-label='Waiting lines by days waited']").count())
        .toBe(1);
      await row.click();
      await page.getByRole("cell", { name: asnId, exact: true }).waitFor();
      await page.screenshot({
        path: join(repoRoot, "test", "artifacts", "console-book.png"),
        fullPage: true,
      });

      await page.getByRole("link", { name: "Promises" }).click();
      await page.getByRole("heading", { name: "Promises kept" }).waitFor();
      await page.locator(".card", { hasText: "Shipped on time" }).waitFor();
      const card = (label: string) =>
        page.locator(".card", { has: page.getByText(label, { exact: true }) }).locator(".value");
      expect(await card("Shipped on time").textContent()).toBe("1");
      expect(await card("Shipped late").textContent()).toBe("0");
      expect(await card("Cancelled").textContent()).toBe("1");
      expect(await card("On time").textContent()).toBe("100 %");
      await expect
        .poll(() => page.locator("canvas[aria-label='Lines by outcome, per SKU']").count())
        .toBe(1);
      // The wrong key's 401 is the only error the page saw (no script or policy error).
      expect(errors.filter((e) => !e.includes("401"))).toEqual([]);
    } finally {
      await page.close();
    }
  });

  it("finds a backordered line by its order ref and opens its timeline", async () => {
    const page = await browser.newPage({ viewport: { width: 1280, height: 1000 } });
    const errors = pageErrors(page);
    try {
      await page.goto(`${apiUrl()}/console`);
      await signIn(page);
      await page.getByLabel("Order ref or email").fill(first.orderRef);
      await page.getByRole("button", { name: "Find" }).click();
      await page.getByRole("link", { name: first.orderRef }).click();
      await page.getByRole("heading", { name: `Order ${first.orderRef}` }).waitFor();
      const line = lineOf(first, lamp);
      await page.getByRole("link", { name: new RegExp(line.lineId) }).click();
      await page.getByRole("heading", { name: /Walnut desk lamp × 2/ }).waitFor();
      const timeline = page.locator("ol.timeline");
      await timeline.getByText("Status: backordered").waitFor();
      await timeline.getByText("Email sent: backordered").waitFor();
      await timeline.getByText("Workflow run started").waitFor();
      await timeline.getByText("Waiting for stock").first().waitFor();
      expect(await page.locator(".facts").textContent()).toContain(ada);
      await page.screenshot({
        path: join(repoRoot, "test", "artifacts", "console-timeline.png"),
        fullPage: true,
      });

      // The search by email lists both of Ada's orders.
      await page.getByLabel("Order ref or email").fill(ada);
      await page.getByRole("button", { name: "Find" }).click();
      await page.getByRole("link", { name: third.orderRef }).waitFor();
      expect(await page.getByRole("link", { name: first.orderRef }).count()).toBe(1);
      expect(errors.filter((e) => !e.includes("401"))).toEqual([]);
    } finally {
      await page.close();
    }
  });
});
