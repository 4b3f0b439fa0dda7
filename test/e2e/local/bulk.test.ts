import { randomUUID } from "node:crypto";
import { describe, expect, it } from "vitest";
import { addDays } from "../../../shared/domain/dates.ts";
import { ownStack } from "../own-stack.ts";
import {
  api,
  eventually,
  getSku,
  keys,
  newSku,
  orderBody,
  postOrder,
  putSku,
  serverToday,
  settled,
} from "../support.ts";
import { asnFor, localAdapters, postAsn } from "./support-local.ts";

/**
 * Contract §6: bulk work never runs inside the HTTP call's 30 s. With the call's own share
 * set to nothing (BACKORDER_INLINE_WORK_SECONDS=0), every receipt, stock raise and notice
 * hands its fan-out to the bulk machine, and the answers say so.
 */
await ownStack({ env: { BACKORDER_INLINE_WORK_SECONDS: "0" } });
const { store } = localAdapters();

async function waitingLines(sku: string, n: number) {
  await putSku(sku, { name: "W", onHand: 0, backorder: { allowed: true, leadTimeDays: 20 } });
  const lines: { orderId: string; lineId: string }[] = [];
  for (let i = 0; i < n; i++) {
    const res = await postOrder(orderBody([{ lineRef: "1", sku, qty: 1 }]));
    expect(res.status, res.text).toBe(201);
    const [line] = res.json.lines as { lineId: string }[];
    lines.push({ orderId: String(res.json.orderId), lineId: String(line?.lineId) });
  }
  return lines;
}

const statusOf = async (l: { orderId: string; lineId: string }) =>
  (await store.getLine(l.orderId, l.lineId))?.status;

describe("bulk work outside the call", () => {
  it("a receipt answers 202 with its Location; GET pages its cross-dock list until done", async () => {
    const sku = newSku();
    const lines = await waitingLines(sku, 5);
    const receiptId = `RCV-${randomUUID()}`;
    const res = await api("/v1/receipts", {
      method: "POST",
      key: keys.warehouse,
      body: { receiptId, lines: [{ sku, qty: 7 }] },
    });
    expect(res.status, res.text).toBe(202);
    expect(res.json).toEqual({ receiptId, status: "processing" });
    const location = res.headers.get("location") as string;
    expect(location).toBe(`/v1/receipts/${receiptId}`);

    await eventually(
      async () => (await api(location, { key: keys.warehouse })).json.status === "done",
      { what: "the receipt's bulk job to finish" },
    );
    // Paged two at a time: every fill once, oldest line first, then no cursor.
    const seen: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const query: string = cursor ? `?limit=2&cursor=${encodeURIComponent(cursor)}` : "?limit=2";
      const page = await api(`${location}${query}`, { key: keys.warehouse });
      expect(page.status, page.text).toBe(200);
      expect(page.json).toMatchObject({ receiptId, status: "done", putAway: [{ sku, qty: 2 }] });
      seen.push(...(page.json.allocations as { lineId: string }[]).map((a) => a.lineId));
      cursor = page.json.nextCursor as string | null;
      pages++;
    } while (cursor);
    expect(pages).toBe(3);
    expect(seen).toEqual(lines.map((l) => l.lineId));
    // A replay of the POST answers the finished receipt at once, with the whole list.
    const again = await api("/v1/receipts", {
      method: "POST",
      key: keys.warehouse,
      body: { receiptId, lines: [{ sku, qty: 7 }] },
    });
    expect(again.status).toBe(200);
    expect((again.json.allocations as unknown[]).length).toBe(5);
    await settled();
    for (const l of lines) expect(await statusOf(l)).toBe("shipment_requested");
  });

  it("GET of an unknown receipt is 404; a bad cursor or limit is 400", async () => {
    const missing = await api("/v1/receipts/RCV-none", { key: keys.warehouse });
    expect(missing.status).toBe(404);
    expect(missing.headers.get("content-type")).toContain("application/problem+json");
    const sku = newSku();
    await putSku(sku, { name: "W", onHand: 0, backorder: { allowed: true } });
    const receiptId = `RCV-${randomUUID()}`;
    await api("/v1/receipts", {
      method: "POST",
      key: keys.warehouse,
      body: { receiptId, lines: [{ sku, qty: 1 }] },
    });
    for (const query of ["?cursor=not-ours", "?limit=0", "?limit=1001"]) {
      const res = await api(`/v1/receipts/${receiptId}${query}`, { key: keys.warehouse });
      expect(res.status, query).toBe(400);
    }
    expect((await api(`/v1/receipts/${receiptId}`, { key: keys.storefront })).status).toBe(403);
  });

  it("a stock raise fills waiting lines through a bulk job", async () => {
    const sku = newSku();
    const lines = await waitingLines(sku, 3);
    const raised = await api(`/v1/skus/${sku}`, {
      method: "PUT",
      key: keys.storefront,
      body: { name: "W", onHand: 3, backorder: { allowed: true, leadTimeDays: 20 } },
    });
    expect(raised.status, raised.text).toBe(200);
    await settled();
    for (const l of lines) expect(await statusOf(l)).toBe("shipment_requested");
    expect(await getSku(sku)).toMatchObject({ onHand: 3, allocated: 3, backorderedQty: 0 });
  });

  it("a notice re-dates its SKU's waiting lines through a bulk job", async () => {
    const sku = newSku();
    const lines = await waitingLines(sku, 3);
    const day = addDays(await serverToday(), 9);
    expect((await postAsn("acme", asnFor(sku, 10, day))).status).toBe(202);
    await settled();
    for (const l of lines) expect((await store.getLine(l.orderId, l.lineId))?.eta).toBe(day);
  });
});
