import { describe, expect, it } from "vitest";
import { allocateWaiting } from "../../../shared/services/allocate.ts";
import { consentToWait } from "../../../shared/services/escalate.ts";
import { deliverOwedWakes, nextTry, WAKE_GRACE_SECONDS } from "../../../shared/services/wakes.ts";
import { type Fakes, fakePorts } from "../../fakes/index.ts";

/** A waiting line of W parked on its token, and one unit of W received for it. */
async function parkedLineWithStock(f: Fakes) {
  await f.given.sku("W");
  const { line } = await f.given.order([{ sku: "W", qty: 1 }]);
  expect(await f.given.park(line, "stock")).toBe(true);
  return line;
}

async function receive(f: Fakes, sku: string, qty: number) {
  await f.given.receipt(sku, qty);
}

describe("the wake outbox", () => {
  it("a change marks its line in the same write; a wake-up that fails is delivered later", async () => {
    const f = fakePorts();
    const line = await parkedLineWithStock(f);
    await receive(f, "W", 1);
    f.signals.failNextWakes = 1;

    await allocateWaiting(f, "W");

    // The allocation went through; its wake-up did not, and the mark says so.
    expect((await f.given.line(line)).status).toBe("allocated");
    expect(f.signals.woken()).toEqual([]);
    expect(await f.waits.owedWake(line.orderId, line.lineId)).not.toBeNull();

    // Within the grace period the deliverer leaves it to the caller and the line's park.
    expect(await deliverOwedWakes(f)).toEqual({ delivered: 0, postponed: 0 });
    f.clock.advance({ ms: (WAKE_GRACE_SECONDS + 1) * 1000 });
    expect(await deliverOwedWakes(f)).toEqual({ delivered: 1, postponed: 0 });
    expect(f.signals.woken()).toEqual([line.lineId]);
    expect(await f.waits.owedWake(line.orderId, line.lineId)).toBeNull();
  });

  it("keeps trying with growing pauses until a wake-up gets through", async () => {
    const f = fakePorts();
    const line = await parkedLineWithStock(f);
    await receive(f, "W", 1);
    f.signals.failNextWakes = 3;
    await allocateWaiting(f, "W");

    f.clock.advance({ ms: (WAKE_GRACE_SECONDS + 1) * 1000 });
    expect(await deliverOwedWakes(f)).toEqual({ delivered: 0, postponed: 1 });
    expect(await f.waits.owedWake(line.orderId, line.lineId)).toMatchObject({ attempts: 1 });
    // Not tried again before its next try (at least half of 60 s after).
    f.clock.advance({ ms: 20_000 });
    expect(await deliverOwedWakes(f)).toEqual({ delivered: 0, postponed: 0 });
    f.clock.advance({ ms: 41_000 });
    expect(await deliverOwedWakes(f)).toEqual({ delivered: 0, postponed: 1 });
    f.clock.advance({ minutes: 2 });
    expect(await deliverOwedWakes(f)).toEqual({ delivered: 1, postponed: 0 });
    expect(f.signals.woken()).toEqual([line.lineId]);
  });

  it("a line that parks again drops its mark: it is not woken a second time", async () => {
    const f = fakePorts();
    const line = await parkedLineWithStock(f);
    await receive(f, "W", 1);
    await allocateWaiting(f, "W");
    expect(f.signals.woken()).toEqual([line.lineId]);

    // Woken, the line went on and parked again (its park drops the mark).
    expect(await f.given.park(line, "group")).toBe(true);
    f.clock.advance({ minutes: 5 });
    expect(await deliverOwedWakes(f)).toEqual({ delivered: 0, postponed: 0 });
    expect(f.signals.woken()).toEqual([line.lineId]);
  });

  it("a mark of a line not parked on its token is dropped (the line reads afresh on its own)", async () => {
    const f = fakePorts();
    await f.given.sku("W");
    const { line } = await f.given.order([{ sku: "W", qty: 1 }]);
    await f.waits.markWake(line.orderId, line.lineId, f.clock.now());
    f.clock.advance({ minutes: 1 });

    expect(await deliverOwedWakes(f)).toEqual({ delivered: 1, postponed: 0 });
    expect(f.signals.wakes.map((w) => w.outcome)).toEqual(["not-parked"]);
    expect(await f.waits.owedWake(line.orderId, line.lineId)).toBeNull();
  });

  it("a consent whose wake-up fails is still recorded, and its wake-up delivered later", async () => {
    const f = fakePorts();
    await f.given.sku("W");
    const { order, line } = await f.given.order([{ sku: "W", qty: 1 }]);
    const consentBy = new Date(f.clock.now().getTime() + 86_400_000).toISOString();
    await f.waits.recordDelay(line, line.promisedBy, {
      promisedBy: consentBy,
      promiseEscalated: true,
      delays: 2,
      consentBy,
      toldPromisedBy: consentBy,
      owedNotice: null,
    });
    expect(await f.given.park(line, "stock")).toBe(true);
    f.signals.failNextWakes = 1;

    await consentToWait(f, order.orderId, line.lineId);

    expect((await f.given.line(line)).consentedFor).toBe(consentBy);
    f.clock.advance({ minutes: 1 });
    expect(await deliverOwedWakes(f)).toEqual({ delivered: 1, postponed: 0 });
    expect(f.signals.woken()).toEqual([line.lineId]);
  });

  it("backs off exponentially from the grace period, with jitter, up to 15 minutes", () => {
    const now = new Date("2026-01-01T00:00:00Z");
    const pause = (attempts: number) => (nextTry(now, attempts).getTime() - now.getTime()) / 1000;
    for (let i = 0; i < 50; i++) {
      expect(pause(0)).toBeGreaterThanOrEqual(WAKE_GRACE_SECONDS / 2);
      expect(pause(0)).toBeLessThanOrEqual(WAKE_GRACE_SECONDS);
      expect(pause(3)).toBeGreaterThanOrEqual(120);
      expect(pause(3)).toBeLessThanOrEqual(240);
      expect(pause(20)).toBeLessThanOrEqual(900);
      expect(pause(20)).toBeGreaterThanOrEqual(450);
    }
  });
});
