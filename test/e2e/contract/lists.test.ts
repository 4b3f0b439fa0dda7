import { describe, expect, it } from "vitest";
import { ownStack } from "../own-stack.ts";
import {
  allPages,
  api,
  eventually,
  keys,
  newSku,
  orderBody,
  postOrder,
  putSku,
} from "../support.ts";

// Locally, 250 orders' executions would keep the suite's shared stack busy for everyone
// else's `settled()`: this file gets a stack of its own. Against a deployed stage it shares
// the stage, and looks only at its own orders.
if (!process.env.BACKORDER_E2E_BASE_URL) await ownStack();

/**
 * Contract §2: every list is paged (`?limit=N`, default 100, max 1000; `?cursor=<opaque>`;
 * `nextCursor` a string, or null on the last page), and nothing is left out. Runs on the
 * shared stack (and a deployed stage) beside other tests: it looks only at its own orders.
 */

interface ShipmentView {
  shipmentId: string;
  orderId: string;
  status: string;
  lines: { lineId: string; sku: string; qty: number }[];
}

function expectProblem(res: Awaited<ReturnType<typeof api>>, status: number) {
  expect(res.status, res.text).toBe(status);
  expect(res.headers.get("content-type")).toMatch(/^application\/problem\+json/);
  expect(res.json).toMatchObject({ status, title: expect.any(String), detail: expect.any(String) });
}

/** Runs `task` `count` times, `concurrency` at a time. */
async function inParallel(count: number, concurrency: number, task: (i: number) => Promise<void>) {
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < count) await task(next++);
    }),
  );
}

const SHIPMENTS = "/v1/shipments?status=requested";

describe("GET /v1/shipments?status=requested", () => {
  it("pages through 250 requested shipments, oldest first, each once, to a null nextCursor", async () => {
    const sku = newSku("PAGED");
    await putSku(sku, { name: "Paged widget", onHand: 250 });
    // One unit in stock for each: every line is allocated at once, and its execution forms
    // its shipment, charges it and asks the warehouse for it.
    const mine = new Set<string>();
    await inParallel(250, 8, async () => {
      const res = await postOrder(orderBody([{ lineRef: "1", sku, qty: 1 }]));
      expect(res.status, res.text).toBe(201);
      mine.add(String(res.json.orderId));
    });
    await eventually(
      async () => {
        const all = await allPages<ShipmentView>(SHIPMENTS, "shipments", keys.warehouse);
        return all.filter((s) => mine.has(s.orderId)).length === 250;
      },
      { what: "250 requested shipments", timeoutMs: 240_000, intervalMs: 2_000 },
    );

    const seen: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const after: string = cursor ? `&cursor=${encodeURIComponent(cursor)}` : "";
      const res = await api(`${SHIPMENTS}&limit=7${after}`, { key: keys.warehouse });
      expect(res.status, res.text).toBe(200);
      const shipments = res.json.shipments as ShipmentView[];
      expect(shipments.length).toBeLessThanOrEqual(7);
      expect(res.json).toHaveProperty("nextCursor");
      for (const s of shipments.filter((x) => mine.has(x.orderId))) {
        expect(s.status).toBe("requested");
        expect(s.lines).toEqual([expect.objectContaining({ sku, qty: 1 })]);
        seen.push(s.shipmentId);
      }
      cursor = res.json.nextCursor as string | null;
      pages++;
    } while (cursor);

    expect(seen).toHaveLength(250);
    expect(new Set(seen).size).toBe(250);
    // Oldest first: a shipment id is a ULID of when it was formed, which is also its order
    // on the list (formed at, then id).
    expect(seen).toEqual([...seen].sort());
    expect(pages).toBeGreaterThanOrEqual(Math.ceil(250 / 7));
  }, 300_000);

  it("refuses a limit out of 1–1000 and a cursor it did not give out, with 400", async () => {
    for (const limit of ["0", "1001", "-1", "1.5", "ten", ""]) {
      expectProblem(await api(`${SHIPMENTS}&limit=${limit}`, { key: keys.warehouse }), 400);
    }
    expect((await api(`${SHIPMENTS}&limit=1000`, { key: keys.warehouse })).status).toBe(200);
    for (const cursor of ["garbage!", "e30", "eyJwayI6MX0", "x".repeat(2000)]) {
      expectProblem(await api(`${SHIPMENTS}&cursor=${cursor}`, { key: keys.warehouse }), 400);
    }
    // A cursor of the shipped list does not continue the requested one.
    const shipped = await api("/v1/shipments?status=shipped&limit=1", { key: keys.warehouse });
    const other = shipped.json.nextCursor as string | null;
    if (other) {
      expectProblem(
        await api(`${SHIPMENTS}&cursor=${encodeURIComponent(other)}`, { key: keys.warehouse }),
        400,
      );
    }
  });
});

describe("GET /v1/orders/{orderId}/notifications", () => {
  it("pages an order's emails in order, and refuses another order's cursor", async () => {
    const sku = newSku("NOTES");
    await putSku(sku, { name: "Noted widget", onHand: 4 });
    const created = await postOrder(
      orderBody([
        { lineRef: "1", sku, qty: 1 },
        { lineRef: "2", sku, qty: 1 },
        { lineRef: "3", sku, qty: 1 },
      ]),
    );
    expect(created.status, created.text).toBe(201);
    const path = `/v1/orders/${created.json.orderId}/notifications`;
    // Each line is charged at once, with its own `charged` email.
    const whole = await eventually(
      async () => {
        const res = await api(path, { key: keys.storefront });
        const list = res.json.notifications as { kind: string; sentAt: string }[];
        return list.filter((n) => n.kind === "charged").length === 3 ? res.json : undefined;
      },
      { what: "three charged emails" },
    );
    expect(whole.nextCursor).toBeNull();

    const pages: { kind: string }[][] = [];
    let cursor: string | null = null;
    do {
      const after: string = cursor ? `&cursor=${encodeURIComponent(cursor)}` : "";
      const res = await api(`${path}?limit=1${after}`, { key: keys.storefront });
      expect(res.status, res.text).toBe(200);
      pages.push(res.json.notifications as { kind: string }[]);
      cursor = res.json.nextCursor as string | null;
    } while (cursor);
    expect(pages.flat()).toEqual(whole.notifications);
    expect(pages.map((p) => p.length)).toEqual(pages.map(() => 1));

    const first = await api(`${path}?limit=1`, { key: keys.storefront });
    const next = encodeURIComponent(String(first.json.nextCursor));
    const another = await postOrder(orderBody([{ lineRef: "1", sku, qty: 1 }]));
    expectProblem(
      await api(`/v1/orders/${another.json.orderId}/notifications?cursor=${next}`, {
        key: keys.storefront,
      }),
      400,
    );
    expectProblem(await api(`${SHIPMENTS}&cursor=${next}`, { key: keys.warehouse }), 400);
    for (const limit of ["0", "1001"]) {
      expectProblem(await api(`${path}?limit=${limit}`, { key: keys.storefront }), 400);
    }
  });
});
