import { describe, expect, it } from "vitest";
import { allocateWaiting } from "../../../shared/services/allocate.ts";
import { restartStoppedRun } from "../../../shared/services/reconcile.ts";
import { fakePorts } from "../../fakes/index.ts";

describe("a split-off remainder's execution", () => {
  it("is its own: when it stops, the reconciler restarts it", async () => {
    const f = fakePorts();
    await f.given.sku("W");
    const { line } = await f.given.order([{ sku: "W", qty: 3 }]);
    // The line's first execution had stopped and was restarted once.
    expect(
      await f.waits.recordExecutionRestart(line, line.lineId, `${line.lineId}-r1`, {
        restarts: 1,
        failures: 1,
      }),
    ).toBe(true);
    await f.given.receipt("W", 1, "rc_1");
    await allocateWaiting(f, "W");
    const rest = (await f.orders.listLines(line.orderId)).find((l) => l.splitFrom === line.lineId);
    if (!rest) throw new Error("the line was not split");
    expect(f.workflow.executions.get(rest.lineId)?.lineId).toBe(rest.lineId);

    // The remainder's execution fails.
    const run = { orderId: rest.orderId, lineId: rest.lineId, name: rest.lineId };
    expect(await restartStoppedRun(f, { ...run, status: "FAILED" })).toBe("restarted");
    expect(f.workflow.executions.get(`${rest.lineId}-r1`)?.lineId).toBe(rest.lineId);
  });
});
