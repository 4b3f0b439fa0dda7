import { describe, expect, it } from "vitest";
import { advanceLine } from "../../../shared/services/advance.ts";
import { cancelLine } from "../../../shared/services/cancel.ts";
import { chargeLine } from "../../../shared/services/charging.ts";
import { notifyCustomer, notifyOnce } from "../../../shared/services/notify.ts";
import { holdingTurn, rateGovernedStarts, START_WAIT_MS } from "../../../shared/services/rates.ts";
import { deliverOwedWakes, wakeLines } from "../../../shared/services/wakes.ts";
import { fakePorts } from "../../fakes/index.ts";

describe("side effects at their shared rates", () => {
  it("a charge whose turn has not come fails the step with RateLimited, having done nothing", async () => {
    const f = fakePorts();
    await f.given.sku("W", { onHand: 5 });
    const { order, line } = await f.given.order([{ sku: "W", qty: 1 }]);
    f.rates.refuseNext = 1;

    await expect(chargeLine(f, order.orderId, line.lineId)).rejects.toMatchObject({
      name: "RateLimited",
    });
    expect(f.gateway.charges()).toEqual([]);
    expect(await f.given.line(line)).toMatchObject({ status: "allocated" });
    expect(f.db.writes).not.toContain("charges.beginChargeAttempt");

    // Its turn comes: the retried step charges it once.
    await chargeLine(f, order.orderId, line.lineId);
    expect(f.gateway.charges()).toHaveLength(1);
    expect(f.rates.takes.map((t) => [t.name, t.granted])).toContainEqual(["payments", true]);
  });

  it("a step's email waits its turn (RateLimited); a request's is left to the step (deferred)", async () => {
    const f = fakePorts();
    await f.given.sku("W");
    const { order, line } = await f.given.order([{ sku: "W", qty: 1 }]);
    f.rates.refuseNext = 1;
    await expect(notifyOnce(f.notify, "check_in", order, [line], "x")).rejects.toMatchObject({
      name: "RateLimited",
    });
    expect(f.mailer.sent).toEqual([]);
    expect(await f.notifications.listNotifications(order.orderId)).toEqual([]);

    // A request does not wait for its turn: it leaves the email unclaimed for a step.
    f.rates.refuseNext = 1_000;
    expect(await notifyCustomer(f.notify, "backordered", order, [line])).toBe("deferred");
    expect(f.mailer.sent).toEqual([]);
    expect(await f.notifications.listNotifications(order.orderId)).toEqual([]);
    f.rates.refuseNext = 0;
    expect(await notifyOnce(f.notify, "backordered", order, [line])).toBe("sent");
  });

  it("wake-ups past the rate are left marked, and the deliverer sends them in its turn", async () => {
    const f = fakePorts();
    await f.given.sku("W");
    const lines = [];
    for (let i = 0; i < 3; i++) {
      const { line } = await f.given.order([{ sku: "W", qty: 1 }]);
      expect(await f.given.park(line, "stock")).toBe(true);
      await f.waits.markWake(line.orderId, line.lineId, f.clock.now());
      lines.push(line);
    }
    f.rates.refuseNext = 1;
    const outcomes = await wakeLines(f, lines, "allocated");
    expect([...outcomes.values()]).toEqual(["later", "later", "later"]);
    expect(f.signals.woken()).toEqual([]);

    f.clock.advance({ minutes: 1 });
    f.rates.refuseNext = 1;
    expect(await deliverOwedWakes(f)).toEqual({ delivered: 0, postponed: 0 });
    expect(await deliverOwedWakes(f)).toEqual({ delivered: 3, postponed: 0 });
    expect(f.signals.woken().sort()).toEqual(lines.map((l) => l.lineId).sort());
  });
});

describe("turns at a rate: a queue drains at the rate, not at its retries", () => {
  it("a charge whose turn is later hands the turn to the machine, and charges once in it", async () => {
    const f = fakePorts();
    await f.given.sku("W", { onHand: 5 });
    const { order, line } = await f.given.order([{ sku: "W", qty: 1 }]);
    f.rates.laterNext = 1;

    const step = await advanceLine(f, order.orderId, line.lineId);
    expect(step).toMatchObject({ status: "allocated", wait: "turn", turn: { rate: "payments" } });
    expect(step.waitSeconds).toBeGreaterThanOrEqual(4);
    expect(f.gateway.charges()).toEqual([]);
    expect(f.db.writes).not.toContain("charges.beginChargeAttempt");

    // The machine waited for it; back in its turn, the step uses the turn it holds (no
    // second reservation of the payment rate).
    const held = holdingTurn(f.rates, step.turn && { ...step.turn, at: Date.now() });
    const reservedBefore = f.rates.takes.filter((t) => t.name === "payments").length;
    const again = await advanceLine(
      { ...f, rates: held, notify: { ...f.notify, rates: held } },
      order.orderId,
      line.lineId,
    );
    expect(again.wait).toBe("shipped");
    expect(f.gateway.charges()).toHaveLength(1);
    expect(f.rates.takes.filter((t) => t.name === "payments")).toHaveLength(reservedBefore);
  });

  it("a line's first step whose backordered email's turn is later waits for it too", async () => {
    const f = fakePorts();
    await f.given.sku("W", { onHand: 0, backorder: { allowed: true } });
    const { order, line } = await f.given.order([{ sku: "W", qty: 1 }]);
    f.rates.laterNext = 1;
    const step = await advanceLine(f, order.orderId, line.lineId, { notify: "backordered" });
    expect(step).toMatchObject({ status: "backordered", wait: "turn", turn: { rate: "emails" } });
    expect(f.mailer.sent).toEqual([]);
  });

  it("an email whose turn is later gives its claim back uncounted; one already sent takes no turn", async () => {
    const f = fakePorts();
    await f.given.sku("W");
    const { order, line } = await f.given.order([{ sku: "W", qty: 1 }]);
    f.rates.laterNext = 1;
    await expect(notifyOnce(f.notify, "check_in", order, [line], "x")).rejects.toMatchObject({
      name: "TurnLater",
    });
    expect(f.mailer.sent).toEqual([]);
    // The claim went back, its send not counted: the next run's send is the first.
    expect(f.notifications.stored(order.orderId, "check_in")).toMatchObject({
      state: "refused",
      attempts: 0,
    });
    expect(await notifyOnce(f.notify, "check_in", order, [line], "x")).toBe("sent");
    expect(f.notifications.stored(order.orderId, "check_in")).toMatchObject({
      attempts: 1,
    });

    // Asked again (a step re-entered): it is already sent, and no turn is spent on it.
    const turns = f.rates.takes.length;
    expect(await notifyOnce(f.notify, "check_in", order, [line], "x")).toBe("already-sent");
    expect(f.rates.takes).toHaveLength(turns);
  });

  it("a held turn is used once, for its own rate, however late", async () => {
    const f = fakePorts();
    const fresh = holdingTurn(f.rates, { rate: "payments", at: Date.now() });
    expect(await fresh.reserve("payments", 1, 0)).toMatchObject({ rate: "payments" });
    expect(f.rates.takes).toHaveLength(0);
    await fresh.reserve("payments", 1, 0);
    expect(f.rates.takes).toHaveLength(1);
    // Another rate is never served from the held turn.
    await fresh.reserve("emails", 1, 0);
    expect(f.rates.takes.map((t) => t.name)).toEqual(["payments", "emails"]);

    const lateAt = Date.now() - 60_000;
    const late = holdingTurn(f.rates, { rate: "payments", at: lateAt });
    expect(await late.reserve("payments", 1, 0)).toEqual({ rate: "payments", at: lateAt });
    expect(f.rates.takes).toHaveLength(2);
  });

  it("starts wait for their turn at the StartExecution rate, else fail as a throttled start", async () => {
    const f = fakePorts();
    const starts = rateGovernedStarts(f.workflow, f.rates);
    await starts.start([{ orderId: "o1", lineId: "l1" }]);
    expect(f.workflow.starts.map((s) => s.lineId)).toEqual(["l1"]);
    expect(f.rates.takes).toEqual([expect.objectContaining({ name: "starts", granted: true })]);

    // The turn is further off than a start may wait: refused, nothing started.
    f.rates.laterNext = 1;
    f.rates.laterMs = START_WAIT_MS + 5_000;
    await expect(starts.start([{ orderId: "o2", lineId: "l2" }])).rejects.toMatchObject({
      name: "ThrottlingException",
    });
    await expect(starts.startNamed({ orderId: "o2", lineId: "l2" }, "l2-r1")).resolves.toBe(
      undefined,
    );
    expect(f.workflow.starts.map((s) => s.name)).toEqual(["l1", "l2-r1"]);
  });

  it("a cancel whose refund's turn is later answers the refund owed, and the line's step makes it", async () => {
    const f = fakePorts();
    await f.given.sku("W", { onHand: 5 });
    const { order, line } = await f.given.order([{ sku: "W", qty: 1 }]);
    await chargeLine(f, order.orderId, line.lineId);
    expect(await f.given.line(line)).toMatchObject({ status: "charged" });

    f.rates.laterNext = 1;
    f.rates.laterMs = 60_000;
    const cancelled = await cancelLine(f, order.orderId, line.lineId);
    expect(cancelled.refund).toEqual({ amount: 1000, currency: "USD" });
    expect(f.gateway.refunds()).toEqual([]);

    const step = await advanceLine(f, order.orderId, line.lineId);
    expect(step.wait).toBeNull();
    expect(f.gateway.refunds()).toHaveLength(1);
    expect(await f.given.line(line)).toMatchObject({
      status: "cancelled",
      refund: expect.anything(),
    });
  });
});
