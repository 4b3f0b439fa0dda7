import { describe, expect, it } from "vitest";
import { allocateWaiting } from "../../../shared/services/allocate.ts";
import { type Fakes, fakePorts } from "../../fakes/index.ts";

/** Units arrive at the warehouse (a receipt adds them to the SKU's stock). */
async function receive(f: Fakes, sku: string, qty: number, receiptId = `rc_${qty}_${sku}`) {
  await f.given.receipt(sku, qty, receiptId);
}

/** Orders of one line each for `qtys` units of W, a minute apart (oldest first). */
async function waiting(f: Fakes, ...qtys: number[]) {
  await f.given.sku("W");
  const lines = [];
  for (const qty of qtys) {
    lines.push((await f.given.order([{ sku: "W", qty }])).line);
    f.clock.advance({ minutes: 1 });
  }
  return lines;
}

const statusOf = async (f: Fakes, line: { orderId: string; lineId: string }) =>
  (await f.given.line(line)).status;

describe("allocateWaiting", () => {
  it("fills waiting lines oldest first and never skips one to serve a later, smaller one", async () => {
    const f = fakePorts();
    const [a, b, c] = await waiting(f, 2, 3, 1);
    if (!a || !b || !c) throw new Error("three lines");
    await receive(f, "W", 5);

    const made = await allocateWaiting(f, "W");

    expect(made).toEqual([
      { orderId: a.orderId, lineId: a.lineId, sku: "W", qty: 2 },
      { orderId: b.orderId, lineId: b.lineId, sku: "W", qty: 3 },
    ]);
    expect([await statusOf(f, a), await statusOf(f, b), await statusOf(f, c)]).toEqual([
      "allocated",
      "allocated",
      "backordered",
    ]);
    expect(await f.catalog.getSku("W")).toMatchObject({
      onHand: 5,
      allocated: 5,
      backorderedQty: 1,
    });
  });

  it("splits a partly filled line: the remainder keeps its place and gets an execution", async () => {
    const f = fakePorts();
    const [a, b, c] = await waiting(f, 3, 3, 1);
    if (!a || !b || !c) throw new Error("three lines");
    await receive(f, "W", 4);

    await allocateWaiting(f, "W");

    const filled = await f.given.line(b);
    expect(filled).toMatchObject({ status: "allocated", qty: 1 });
    const rest = (await f.orders.listLines(b.orderId)).find((l) => l.splitFrom === b.lineId);
    expect(rest).toMatchObject({ status: "backordered", qty: 2, createdAt: b.createdAt });
    expect(f.workflow.executions.get(rest?.lineId ?? "")).toEqual({
      orderId: b.orderId,
      lineId: rest?.lineId,
    });
    expect(await f.catalog.getSku("W")).toMatchObject({ allocated: 4, backorderedQty: 3 });

    // The remainder is served before the line behind it.
    await receive(f, "W", 2, "rc_more");
    const next = await allocateWaiting(f, "W");
    expect(next).toEqual([expect.objectContaining({ lineId: rest?.lineId, qty: 2 })]);
    expect(await statusOf(f, c)).toBe("backordered");
  });

  it("a remainder whose start is refused (throttled) does not fail the fill; it stays a live line", async () => {
    const f = fakePorts();
    const [a, b] = await waiting(f, 1, 3);
    if (!a || !b) throw new Error("two lines");
    await receive(f, "W", 2);
    f.workflow.failNextStarts = 1;

    const made = await allocateWaiting(f, "W");

    expect(made.map((m) => [m.lineId, m.qty])).toEqual([
      [a.lineId, 1],
      [b.lineId, 1],
    ]);
    const rest = (await f.orders.listLines(b.orderId)).find((l) => l.splitFrom === b.lineId);
    expect(rest).toMatchObject({ status: "backordered", qty: 2 });
    expect(f.workflow.executions.has(rest?.lineId ?? "")).toBe(false);
    // The backstop over live lines finds it without an execution, and starts one.
    const live = [];
    for (let shard = 0; shard < f.liveLines.shards; shard++) {
      live.push(...(await f.liveLines.liveLines(shard, null, 1000)).lines);
    }
    expect(live.map((l) => l.lineId)).toContain(rest?.lineId);
  });

  it("gives at most maxUnits, recording them on the receipt", async () => {
    const f = fakePorts();
    const [a, b] = await waiting(f, 4, 4);
    if (!a || !b) throw new Error("two lines");
    await receive(f, "W", 10, "rc_1");

    const made = await allocateWaiting(f, "W", { maxUnits: 5, receiptId: "rc_1" });

    expect(made.map((m) => [m.lineId, m.qty])).toEqual([
      [a.lineId, 4],
      [b.lineId, 1],
    ]);
    expect(await f.catalog.getSku("W")).toMatchObject({
      onHand: 10,
      allocated: 5,
      backorderedQty: 3,
    });
    expect((await f.allocation.getReceipt("rc_1"))?.allocations).toEqual([
      { lineId: a.lineId, orderId: a.orderId, sku: "W", qty: 4 },
      { lineId: b.lineId, orderId: b.orderId, sku: "W", qty: 1 },
    ]);
  });

  it("does nothing without free stock or without waiting lines", async () => {
    const f = fakePorts();
    await waiting(f, 2);
    expect(await allocateWaiting(f, "W")).toEqual([]);
    const other = fakePorts();
    await other.given.sku("W", { onHand: 3 });
    expect(await allocateWaiting(other, "W")).toEqual([]);
    expect(f.db.writes.filter((w) => w === "allocation.allocateLines")).toEqual([]);
    expect(await allocateWaiting(f, "UNKNOWN")).toEqual([]);
  });

  it("a line cancelled between the read and the write: reads again and serves the next", async () => {
    const f = fakePorts();
    const [a, b] = await waiting(f, 2, 2);
    if (!a || !b) throw new Error("two lines");
    await receive(f, "W", 2);
    f.races.beforeNext("allocation.allocateLines", async () => {
      expect(await f.orders.cancelLine(await f.given.line(a), f.clock.now())).toBe(true);
    });

    const made = await allocateWaiting(f, "W");

    expect(made).toEqual([expect.objectContaining({ lineId: b.lineId, qty: 2 })]);
    expect(await statusOf(f, a)).toBe("cancelled");
    expect(await statusOf(f, b)).toBe("allocated");
    expect(await f.catalog.getSku("W")).toMatchObject({
      onHand: 2,
      allocated: 2,
      backorderedQty: 0,
    });
  });

  it("stock taken between the read and the write: gives only what is left", async () => {
    const f = fakePorts();
    const [a] = await waiting(f, 3);
    if (!a) throw new Error("a line");
    await receive(f, "W", 3);
    f.races.beforeNext("allocation.allocateLines", async () => {
      // A stock count finds two of the units missing.
      const policy = {
        sku: "W",
        name: "W",
        onHand: 1,
        backorder: { allowed: true },
        substitutes: [],
      };
      await f.catalog.putSkuPolicy(policy, f.clock.now());
    });

    const made = await allocateWaiting(f, "W");

    expect(made).toEqual([expect.objectContaining({ lineId: a.lineId, qty: 1 })]);
    expect(await f.catalog.getSku("W")).toMatchObject({
      onHand: 1,
      allocated: 1,
      backorderedQty: 2,
    });
  });

  it("keeps trying while it loses races, and ends as if it had not", async () => {
    const f = fakePorts();
    const [a] = await waiting(f, 2);
    if (!a) throw new Error("a line");
    await receive(f, "W", 2);
    f.races.loseNext("allocation.allocateLines", 3);

    expect(await allocateWaiting(f, "W")).toEqual([expect.objectContaining({ lineId: a.lineId })]);
    expect(f.db.writes.filter((w) => w === "allocation.allocateLines")).toHaveLength(4);
    expect(await f.catalog.getSku("W")).toMatchObject({ allocated: 2, backorderedQty: 0 });
  });

  it("a batch that keeps losing its race is tried smaller, and every line is filled", async () => {
    const f = fakePorts();
    const lines = await waiting(f, 1, 1, 1, 1, 1, 1);
    await receive(f, "W", 6);
    const sizes: number[] = [];
    const seen = f.allocation.waitingLines.bind(f.allocation);
    f.allocation.waitingLines = async (sku, limit, after) => {
      sizes.push(limit ?? 0);
      return seen(sku, limit, after);
    };
    f.races.loseNext("allocation.allocateLines", 3);

    expect((await allocateWaiting(f, "W")).map((m) => m.lineId)).toEqual(
      lines.map((l) => l.lineId),
    );
    // 90 lines, then halved at each lost race: 45, 22, 11 (all six fit from then on).
    expect(sizes.slice(0, 4)).toEqual([90, 45, 22, 11]);
  });

  it("wakes parked lines; starts the execution of others by their execution's name", async () => {
    const f = fakePorts();
    const [parked, running, restarted] = await waiting(f, 1, 1, 1);
    if (!parked || !running || !restarted) throw new Error("three lines");
    await f.given.park(parked, "stock");
    const name = `${restarted.lineId}-r1`;
    expect(
      await f.waits.recordExecutionRestart(restarted, restarted.lineId, name, {
        restarts: 1,
        failures: 1,
      }),
    ).toBe(true);
    await receive(f, "W", 3);

    await allocateWaiting(f, "W");

    expect(f.signals.woken()).toEqual([parked.lineId]);
    expect(f.workflow.starts).toEqual([
      { orderId: running.orderId, lineId: running.lineId, name: running.lineId },
      { orderId: restarted.orderId, lineId: restarted.lineId, name },
    ]);
  });
});
