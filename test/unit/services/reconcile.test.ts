import { describe, expect, it } from "vitest";
import type { StoppedRun } from "../../../shared/ports/workflow.ts";
import { restartStoppedLines } from "../../../shared/services/reconcile.ts";
import { type Fakes, fakePorts } from "../../fakes/index.ts";

/** The line's current execution stops with `status`; the reconciler runs. */
async function stopAndReconcile(
  f: Fakes,
  orderId: string,
  lineId: string,
  status: StoppedRun["status"],
) {
  const line = await f.orders.getLine(orderId, lineId);
  f.clock.advance({ minutes: 1 });
  f.workflow.stopped.push({
    name: line?.executionName ?? lineId,
    status,
    stoppedAt: f.clock.now(),
    orderId,
    lineId,
  });
  return restartStoppedLines(f);
}

describe("restartStoppedLines", () => {
  it("restarts a line however often its execution is aborted (a stack stopped is no fault)", async () => {
    const f = fakePorts();
    await f.given.sku("W", { onHand: 0, backorder: { allowed: true } });
    const { order, line } = await f.given.order([{ sku: "W", qty: 1 }]);
    const limit = f.settings.maxExecutionRestarts;

    for (let n = 1; n <= limit + 3; n++) {
      expect(await stopAndReconcile(f, order.orderId, line.lineId, "ABORTED")).toEqual([
        line.lineId,
      ]);
    }
    expect(await f.given.line(line)).toMatchObject({
      executionName: `${line.lineId}-r${limit + 3}`,
      executionRestarts: limit + 3,
      executionFailures: 0,
    });
    expect(f.workflow.executions.has(`${line.lineId}-r${limit + 3}`)).toBe(true);
  });

  it("leaves a line to an operator once its execution has failed more than the limit", async () => {
    const f = fakePorts();
    await f.given.sku("W", { onHand: 0, backorder: { allowed: true } });
    const { order, line } = await f.given.order([{ sku: "W", qty: 1 }]);
    const limit = f.settings.maxExecutionRestarts;

    // Aborts in between do not bring the limit closer.
    expect(await stopAndReconcile(f, order.orderId, line.lineId, "ABORTED")).toEqual([line.lineId]);
    for (let n = 1; n <= limit; n++) {
      expect(await stopAndReconcile(f, order.orderId, line.lineId, "FAILED")).toEqual([
        line.lineId,
      ]);
    }
    expect(await stopAndReconcile(f, order.orderId, line.lineId, "TIMED_OUT")).toEqual([]);
    expect((await f.given.line(line)).executionFailures).toBe(limit);
  });
});
