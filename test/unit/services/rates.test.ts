import { describe, expect, it } from "vitest";
import { chargeLine } from "../../../shared/services/charging.ts";
import { notifyCustomer, notifyOnce } from "../../../shared/services/notify.ts";
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
