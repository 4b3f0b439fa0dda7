import { describe, expect, it } from "vitest";
import { agingBucketOf, backorderCsv, backorderRow } from "../../shared/domain/reports.ts";
import { backorderReport } from "../../shared/services/reports.ts";
import { fakePorts } from "../fakes/index.ts";

const sku = {
  sku: "W",
  name: "Walnut lamp",
  backorder: { allowed: true, limit: 40 },
  backorderedQty: 9,
};

describe("a SKU's row of the backorder report", () => {
  it("puts each waiting line in its aging bucket by whole days waited", () => {
    expect([0, 7, 8, 14, 15, 30, 31, 400].map(agingBucketOf)).toEqual([
      "0-7",
      "0-7",
      "8-14",
      "8-14",
      "15-30",
      "15-30",
      "31+",
      "31+",
    ]);
    const row = backorderRow(
      sku,
      [
        { qty: 2, createdAt: "2026-10-01T10:00:00.000Z" }, // 62 days
        { qty: 3, createdAt: "2026-11-20T23:59:00.000Z" }, // 12 days
        { qty: 4, createdAt: "2026-12-02T08:00:00.000Z" }, // today
      ],
      [
        { qty: 5, estimatedDeliveryAt: "2026-12-20T00:00:00Z" },
        { qty: 1, estimatedDeliveryAt: "2026-12-10T00:00:00Z" },
      ],
      "2026-12-02",
    );
    expect(row).toEqual({
      sku: "W",
      name: "Walnut lamp",
      waitingLines: 3,
      waitingQty: 9,
      oldestWaitingDays: 62,
      aging: { "0-7": 1, "8-14": 1, "15-30": 0, "31+": 1 },
      inboundQty: 6,
      nextEta: "2026-12-10",
      shortfall: 3,
      backorderLimit: 40,
      limitUsed: 9,
    });
  });

  it("as CSV: a header line, quoted fields, no formula a spreadsheet would run", () => {
    const row = backorderRow({ ...sku, name: '=HYPERLINK("x"), "big"' }, [], [], "2026-12-02");
    const csv = backorderCsv([row]);
    const [header, line] = csv.split("\r\n");
    expect(header).toBe(
      "sku,name,waitingLines,waitingQty,oldestWaitingDays,aging0to7,aging8to14,aging15to30,aging31plus,inboundQty,nextEta,shortfall,backorderLimit,limitUsed",
    );
    expect(line).toBe(`W,"'=HYPERLINK(""x""), ""big""",0,0,0,0,0,0,0,0,,0,40,9`);
  });
});

describe("the backorder report", () => {
  it("lists only SKUs with lines waiting, page by page over the catalog", async () => {
    const f = fakePorts();
    await f.given.sku("A", { backorder: { leadTimeDays: 5 } });
    await f.given.sku("B", { onHand: 10 });
    await f.given.sku("C", { backorder: { leadTimeDays: 5 } });
    await f.given.order([{ sku: "A", qty: 2 }]);
    f.clock.advance({ days: 9 });
    await f.given.order([{ sku: "A", qty: 1 }]);
    await f.given.order([{ sku: "B", qty: 1 }]);
    await f.given.order([{ sku: "C", qty: 4 }]);

    const first = await backorderReport(f, { limit: 2 });
    expect(first.items.map((r) => [r.sku, r.waitingLines, r.waitingQty, r.aging])).toEqual([
      ["A", 2, 3, { "0-7": 1, "8-14": 1, "15-30": 0, "31+": 0 }],
    ]);
    expect(first.next).not.toBeNull();
    const second = await backorderReport(f, { limit: 2, cursor: first.next });
    expect(second.items.map((r) => [r.sku, r.waitingQty, r.shortfall])).toEqual([["C", 4, 4]]);
    expect(second.next).toBeNull();
  });

  it("ends a page early, after a whole SKU, once it has read its budget of waiting lines", async () => {
    const f = fakePorts();
    for (const sku of ["A", "B", "C", "D"]) {
      await f.given.sku(sku, { backorder: { leadTimeDays: 5 } });
      for (let i = 0; i < 3; i++) await f.given.order([{ sku, qty: 1 }]);
    }
    // A budget of 5 lines: each page reads two SKUs of three lines, then stops.
    const pages: string[][] = [];
    let cursor: string | null = null;
    do {
      const page = await backorderReport(f, { limit: 100, cursor }, 5);
      pages.push(page.items.map((r) => `${r.sku}:${r.waitingLines}`));
      cursor = page.next;
    } while (cursor);
    expect(pages).toEqual([
      ["A:3", "B:3"],
      ["C:3", "D:3"],
    ]);
  });
});
