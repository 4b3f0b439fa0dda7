import { describe, expect, it } from "vitest";
import { addDays, daysBetween, toIsoDate } from "../../../shared/domain/dates.ts";
import { agingBucketOf } from "../../../shared/domain/reports.ts";
import { ownStack } from "../own-stack.ts";
import { api, keys, newSku, orderBody, postOrder, putSku, settled } from "../support.ts";
import { advanceClock, asnFor, postAsn, virtualNow } from "./support-local.ts";

// This file moves the virtual clock, so it runs on a stack of its own.
await ownStack();
const DAY = 86_400;

interface Row {
  sku: string;
  waitingLines: number;
  waitingQty: number;
  oldestWaitingDays: number;
  aging: Record<string, number>;
  inboundQty: number;
  nextEta: string | null;
  shortfall: number;
  backorderLimit: number | null;
  limitUsed: number;
}

/** Every row of the report, following nextCursor (contract §2). */
async function reportRows(limit: number): Promise<Row[]> {
  const rows: Row[] = [];
  let cursor: string | null = null;
  do {
    const res = await api(
      `/v1/reports/backorders?limit=${limit}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ""}`,
      { key: keys.storefront },
    );
    expect(res.status, res.text).toBe(200);
    rows.push(...(res.json.skus as Row[]));
    cursor = res.json.nextCursor as string | null;
  } while (cursor);
  return rows;
}

/** Every CSV row, following X-Next-Cursor. */
async function csvRows(limit: number): Promise<Record<string, string>[]> {
  const rows: Record<string, string>[] = [];
  let cursor: string | null = null;
  do {
    const res = await api(
      `/v1/reports/backorders?limit=${limit}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ""}`,
      { key: keys.storefront, headers: { accept: "text/csv" } },
    );
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toMatch(/^text\/csv/);
    const [header, ...lines] = res.text.trimEnd().split("\r\n");
    const names = (header ?? "").split(",");
    for (const line of lines) {
      const cells = line.split(",");
      rows.push(Object.fromEntries(names.map((n, i) => [n, cells[i] ?? ""])));
    }
    cursor = res.headers.get("x-next-cursor");
  } while (cursor);
  return rows;
}

describe("the backorder report (contract §11)", () => {
  it("gives each SKU's waiting lines, aging on the virtual clock, inbound and shortfall, as JSON and CSV", async () => {
    const [s1, s2, s3] = [newSku("RPT"), newSku("RPT"), newSku("RPT")];
    await putSku(s1, {
      name: "One",
      onHand: 0,
      backorder: { allowed: true, limit: 20, leadTimeDays: 60 },
    });
    await putSku(s2, { name: "Two", onHand: 0, backorder: { allowed: true, leadTimeDays: 60 } });
    await putSku(s3, { name: "Three", onHand: 50 });

    /** What was placed: per SKU, each waiting line's quantity and the day it was ordered. */
    const placed = new Map<string, { qty: number; day: string }[]>();
    const order = async (sku: string, qty: number) => {
      const res = await postOrder(orderBody([{ lineRef: "1", sku, qty }]));
      expect(res.status, res.text).toBe(201);
      const day = toIsoDate(await virtualNow());
      if (sku !== s3) placed.set(sku, [...(placed.get(sku) ?? []), { qty, day }]);
    };
    await order(s1, 2);
    await advanceClock(10 * DAY);
    await order(s1, 1);
    await order(s2, 3);
    await order(s3, 1);
    await advanceClock(22 * DAY);
    await order(s1, 4);
    await advanceClock(DAY);
    const eta = addDays(toIsoDate(await virtualNow()), 15);
    expect((await postAsn("acme", asnFor(s1, 5, eta))).status).toBe(202);
    await settled();

    const today = toIsoDate(await virtualNow());
    const expected = (
      sku: string,
      limit: number | null,
      inbound: number,
      nextEta: string | null,
    ) => {
      const lines = placed.get(sku) ?? [];
      const aging: Record<string, number> = { "0-7": 0, "8-14": 0, "15-30": 0, "31+": 0 };
      for (const l of lines) {
        const bucket = agingBucketOf(daysBetween(l.day, today));
        aging[bucket] = (aging[bucket] ?? 0) + 1;
      }
      const qty = lines.reduce((n, l) => n + l.qty, 0);
      return {
        sku,
        waitingLines: lines.length,
        waitingQty: qty,
        oldestWaitingDays: Math.max(...lines.map((l) => daysBetween(l.day, today))),
        aging,
        inboundQty: inbound,
        nextEta,
        shortfall: Math.max(0, qty - inbound),
        backorderLimit: limit,
        limitUsed: qty,
      };
    };
    // The report lists SKUs in code order.
    const want = [expected(s1, 20, 5, eta), expected(s2, null, 0, null)].sort((a, b) =>
      a.sku.localeCompare(b.sku),
    );
    // The three lines of s1 waited 33, 23 and 1 days: one in each of three buckets.
    expect(want.find((w) => w.sku === s1)?.aging).toEqual({
      "0-7": 1,
      "8-14": 0,
      "15-30": 1,
      "31+": 1,
    });

    const rows = (await reportRows(2)).filter((r) => [s1, s2, s3].includes(r.sku));
    expect(rows).toEqual(want.map((w) => expect.objectContaining(w)));

    const csv = (await csvRows(2)).filter((r) => [s1, s2, s3].includes(r.sku ?? ""));
    expect(csv).toEqual(
      want.map((w) =>
        expect.objectContaining({
          sku: w.sku,
          waitingLines: String(w.waitingLines),
          waitingQty: String(w.waitingQty),
          oldestWaitingDays: String(w.oldestWaitingDays),
          aging0to7: String(w.aging["0-7"]),
          aging8to14: String(w.aging["8-14"]),
          aging15to30: String(w.aging["15-30"]),
          aging31plus: String(w.aging["31+"]),
          inboundQty: String(w.inboundQty),
          nextEta: w.nextEta ?? "",
          shortfall: String(w.shortfall),
          backorderLimit: w.backorderLimit === null ? "" : String(w.backorderLimit),
          limitUsed: String(w.limitUsed),
        }),
      ),
    );
  });

  it("refuses a cursor it did not give, and a limit out of range (400)", async () => {
    for (const query of ["cursor=not-a-cursor", "limit=0", "limit=1001"]) {
      const res = await api(`/v1/reports/backorders?${query}`, { key: keys.storefront });
      expect(res.status, query).toBe(400);
    }
    expect((await api("/v1/reports/backorders", { key: keys.warehouse })).status).toBe(403);
  });
});

describe("the promise report (contract §11)", () => {
  it("counts the lines shipped on time, late by tier and cancelled by reason, as JSON and CSV", async () => {
    const sku = newSku("PRM");
    await putSku(sku, { name: "Kept", onHand: 10 });
    const from = toIsoDate(await virtualNow());
    const placed: { orderId: string; lineId: string }[] = [];
    for (let i = 0; i < 3; i++) {
      const res = await postOrder(orderBody([{ lineRef: "1", sku, qty: 1 }]));
      expect(res.status, res.text).toBe(201);
      const line = (res.json.lines as { lineId: string }[])[0] as { lineId: string };
      placed.push({ orderId: String(res.json.orderId), lineId: line.lineId });
    }
    await settled();
    const shipmentOf = async (orderId: string) => {
      const order = await api(`/v1/orders/${orderId}`, { key: keys.storefront });
      return (order.json.lines as { shipmentId: string }[])[0]?.shipmentId as string;
    };
    const ship = async (orderId: string) => {
      const res = await api(`/v1/shipments/${await shipmentOf(orderId)}/shipped`, {
        method: "POST",
        key: keys.warehouse,
        body: { carrier: "UPS", trackingNumber: `1Z${orderId.slice(-6)}` },
      });
      expect(res.status, res.text).toBe(200);
    };
    const [first, second, third] = placed as [
      (typeof placed)[0],
      (typeof placed)[0],
      (typeof placed)[0],
    ];
    await ship(first.orderId);
    const cancel = await api(`/v1/orders/${third.orderId}/lines/${third.lineId}/cancel`, {
      method: "POST",
      key: keys.storefront,
    });
    expect(cancel.status, cancel.text).toBe(200);
    await advanceClock(10 * DAY);
    await ship(second.orderId);
    await settled();
    const to = toIsoDate(await virtualNow());

    const res = await api(`/v1/reports/promises?from=${from}&to=${to}`, { key: keys.storefront });
    expect(res.status, res.text).toBe(200);
    const row = (res.json.skus as { sku: string }[]).find((s) => s.sku === sku);
    expect(row).toMatchObject({
      shippedOnTime: 1,
      // Ten days after its promise (the day it was ordered, in stock).
      shippedLate: { substitutes_shipping_discount: 1 },
      cancelled: { storefront: 1, customer: 0 },
      averageDaysToShip: 5,
      p90DaysToShip: 10,
      onTimeRate: 0.5,
    });

    const csv = await api(`/v1/reports/promises?from=${from}&to=${to}`, {
      key: keys.storefront,
      headers: { accept: "text/csv" },
    });
    expect(csv.headers.get("content-type")).toMatch(/^text\/csv/);
    const [header, ...lines] = csv.text.trimEnd().split("\r\n");
    const names = (header ?? "").split(",");
    const cells = (lines.find((l) => l.startsWith(`${sku},`)) ?? "").split(",");
    const csvRow = Object.fromEntries(names.map((n, i) => [n, cells[i]]));
    expect(csvRow).toMatchObject({
      shippedOnTime: "1",
      shippedLate_substitutes_shipping_discount: "1",
      cancelled_storefront: "1",
      averageDaysToShip: "5",
      p90DaysToShip: "10",
    });
    expect(lines.at(-1)?.startsWith("*,")).toBe(true);

    // A span before anything happened, and a span too long or upside down.
    const before = await api(`/v1/reports/promises?from=2020-01-01&to=2020-01-31`, {
      key: keys.storefront,
    });
    expect(before.json).toMatchObject({ total: { shippedOnTime: 0 }, skus: [] });
    for (const q of ["from=2026-01-01&to=2027-06-01", `from=${to}&to=${from}`, "from=tomorrow"]) {
      expect((await api(`/v1/reports/promises?${q}`, { key: keys.storefront })).status, q).toBe(
        400,
      );
    }
  });
});
