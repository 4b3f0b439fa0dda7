import { describe, expect, it } from "vitest";
import { workOnJob } from "../../../shared/services/bulk.ts";
import {
  continueReceipt,
  receiveStock,
  resumeUnfinishedReceipts,
  takeReceipt,
} from "../../../shared/services/receive.ts";
import { type Fakes, fakePorts } from "../../fakes/index.ts";

/** `n` one-unit orders of W waiting, a minute apart (oldest first). */
async function waiting(f: Fakes, n: number) {
  await f.given.sku("W");
  const lines = [];
  for (let i = 0; i < n; i++) {
    lines.push((await f.given.order([{ sku: "W", qty: 1 }])).line);
    f.clock.advance({ minutes: 1 });
  }
  return lines;
}

describe("receipts", () => {
  it("hands a receipt still unfinished after the grace period to a bulk job, and a finished one to none", async () => {
    const f = fakePorts();
    await waiting(f, 2);
    await f.given.sku("V");
    // One receipt recorded and left (its call died there); one finished.
    f.races.beforeNext("allocation.addReceiptStock", async () => {
      throw new Error("the function died");
    });
    await expect(
      receiveStock(f, { receiptId: "rc-left", lines: [{ sku: "W", qty: 1 }] }),
    ).rejects.toThrow(/died/);
    await receiveStock(f, { receiptId: "rc-done", lines: [{ sku: "V", qty: 1 }] });

    f.clock.advance({ minutes: 4 });
    expect(await resumeUnfinishedReceipts(f)).toBe(0);
    f.clock.advance({ minutes: 2 });
    expect(await resumeUnfinishedReceipts(f)).toBe(1);
    expect(f.bulk.started).toEqual([{ kind: "receipt", receiptId: "rc-left" }]);

    // The job finishes it; the backstop has nothing more to hand over.
    await workOnJob(f, { kind: "receipt", receiptId: "rc-left" }, Number.POSITIVE_INFINITY);
    expect((await f.allocation.getReceipt("rc-left"))?.done).toBe(true);
    expect(await f.catalog.getSku("W")).toMatchObject({ onHand: 1, allocated: 1 });
    expect(await resumeUnfinishedReceipts(f)).toBe(0);
    expect(f.bulk.started).toHaveLength(1);
  });

  it("a receipt gives its own units once, however many copies of it run at once", async () => {
    const f = fakePorts();
    await waiting(f, 8);
    // A copy of the same receipt runs right before the first one's first fill, and a
    // second receipt arrives meanwhile: each gives exactly the units it brought.
    f.races.beforeNext("allocation.allocateLines", async () => {
      await continueReceipt(f, "rc-a");
      await receiveStock(f, { receiptId: "rc-b", lines: [{ sku: "W", qty: 3 }] });
    });
    await receiveStock(f, { receiptId: "rc-a", lines: [{ sku: "W", qty: 2 }] });

    const a = await f.allocation.getReceipt("rc-a");
    const b = await f.allocation.getReceipt("rc-b");
    expect(a?.allocations.reduce((n, x) => n + x.qty, 0)).toBe(2);
    expect(b?.allocations.reduce((n, x) => n + x.qty, 0)).toBe(3);
    expect(a?.done && b?.done).toBe(true);
    expect(await f.catalog.getSku("W")).toMatchObject({ onHand: 5, allocated: 5 });
    // No line was given units twice.
    const filled = [...(a?.allocations ?? []), ...(b?.allocations ?? [])].map((x) => x.lineId);
    expect(new Set(filled).size).toBe(5);
    expect(f.metrics.of("LinesFilled")).toBe(5);
  });

  it("adds each SKU's units to stock once, one SKU at a time, whatever is repeated", async () => {
    const f = fakePorts();
    const skus = Array.from({ length: 120 }, (_, i) => `S${i}`);
    for (const sku of skus) await f.given.sku(sku);
    const request = { receiptId: "rc-many", lines: skus.map((sku) => ({ sku, qty: 2 })) };
    await receiveStock(f, request);
    await receiveStock(f, request);
    await continueReceipt(f, "rc-many");
    for (const sku of skus) expect((await f.catalog.getSku(sku))?.onHand).toBe(2);
    const adds = f.db.writes.filter((w) => w === "allocation.addReceiptStock");
    expect(adds).toHaveLength(120);
  });

  it("a receipt the call cannot finish in its time is handed to a bulk job, which finishes it", async () => {
    const f = fakePorts();
    const lines = await waiting(f, 3);
    f.settings.inlineWorkSeconds = 0;

    const taken = await takeReceipt(f, { receiptId: "rc-big", lines: [{ sku: "W", qty: 3 }] });

    expect(taken.done).toBe(false);
    expect(f.bulk.started).toEqual([{ kind: "receipt", receiptId: "rc-big" }]);
    expect((await f.allocation.getReceiptHead("rc-big"))?.done).toBe(false);
    // The bulk machine runs the job until it says it is done.
    expect(await workOnJob(f, { kind: "receipt", receiptId: "rc-big" }, Date.now() + 60_000)).toBe(
      true,
    );
    const receipt = await f.allocation.getReceipt("rc-big");
    expect(receipt?.done).toBe(true);
    expect(receipt?.allocations.map((a) => a.lineId)).toEqual(lines.map((l) => l.lineId));
  });

  it("a receipt finished within the call answers done with its whole cross-dock list", async () => {
    const f = fakePorts();
    const lines = await waiting(f, 2);
    const taken = await takeReceipt(f, { receiptId: "rc-small", lines: [{ sku: "W", qty: 5 }] });
    expect(taken.done).toBe(true);
    expect(f.bulk.started).toEqual([]);
    expect(taken.receipt.allocations.map((a) => a.lineId)).toEqual(lines.map((l) => l.lineId));
    expect(taken.receipt.unitsLeft).toEqual({ W: 3 });
  });

  it("a job stopped by its deadline goes on where it stopped when run again", async () => {
    const f = fakePorts();
    await waiting(f, 3);
    await f.given.receipt("W", 3, "rc-slow");
    // Past its deadline before the first batch: nothing done, not finished.
    expect(await continueReceipt(f, "rc-slow", Date.now() - 1)).toBe(false);
    expect((await f.allocation.getReceipt("rc-slow"))?.allocations).toEqual([]);
    expect(await continueReceipt(f, "rc-slow")).toBe(true);
    expect((await f.allocation.getReceipt("rc-slow"))?.allocations).toHaveLength(3);
  });
});
