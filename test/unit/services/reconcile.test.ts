import type { Context } from "aws-lambda";
import { describe, expect, it } from "vitest";
import type { Line } from "../../../shared/domain/model.ts";
import { eventTask } from "../../../shared/events/handler.ts";
import { advanceLine } from "../../../shared/services/advance.ts";
import { cancelLine } from "../../../shared/services/cancel.ts";
import {
  DESCRIBE_CONCURRENCY,
  restartOnStoppedEvent,
  restartStoppedRun,
  type StoppedRun,
  sweepLiveLines,
} from "../../../shared/services/reconcile.ts";
import {
  EXECUTION_STATUS_CHANGE,
  type ExecutionStoppedEvent,
  executionStoppedEvent,
} from "../../../shared/workflow/execution-events.ts";
import { type Fakes, fakePorts } from "../../fakes/index.ts";

const MACHINE = "arn:aws:states:us-east-1:000000000000:stateMachine:LineMachine";

/** The event Step Functions sends when the line's current execution stops with `status`. */
async function stoppedEvent(
  f: Fakes,
  line: Pick<Line, "orderId" | "lineId">,
  status: StoppedRun["status"] & ExecutionStoppedEvent["detail"]["status"],
): Promise<ExecutionStoppedEvent> {
  const stored = await f.given.line(line);
  const name = stored.executionName ?? stored.lineId;
  return {
    source: "aws.states",
    "detail-type": EXECUTION_STATUS_CHANGE,
    detail: {
      executionArn: `${MACHINE.replace(":stateMachine:", ":execution:")}:${name}`,
      stateMachineArn: MACHINE,
      name,
      status,
      input: JSON.stringify({ orderId: line.orderId, lineId: line.lineId }),
    },
  };
}

/** The line's current execution stops with `status`, and its event is handled. */
async function stopAndHandle(
  f: Fakes,
  line: Pick<Line, "orderId" | "lineId">,
  status: ExecutionStoppedEvent["detail"]["status"],
) {
  f.clock.advance({ minutes: 1 });
  return restartOnStoppedEvent(f, await stoppedEvent(f, line, status), MACHINE);
}

async function backorderedLine(f: Fakes) {
  await f.given.sku("W", { onHand: 0, backorder: { allowed: true } });
  const placed = await f.given.order([{ sku: "W", qty: 1 }]);
  await f.workflow.startNamed(placed.line, placed.line.lineId);
  return placed;
}

describe("restartOnStoppedEvent", () => {
  it("restarts a line however often its execution is aborted (a stack stopped is no fault)", async () => {
    const f = fakePorts();
    const { line } = await backorderedLine(f);
    const limit = f.settings.maxExecutionRestarts;

    for (let n = 1; n <= limit + 3; n++) {
      expect(await stopAndHandle(f, line, "ABORTED")).toBe("restarted");
    }
    expect(await f.given.line(line)).toMatchObject({
      executionName: `${line.lineId}-r${limit + 3}`,
      executionRestarts: limit + 3,
      executionFailures: 0,
    });
    expect(f.workflow.executions.get(`${line.lineId}-r${limit + 3}`)).toEqual({
      orderId: line.orderId,
      lineId: line.lineId,
    });
  });

  it("leaves a line to an operator once its execution has failed more than the limit", async () => {
    const f = fakePorts();
    const { line } = await backorderedLine(f);
    const limit = f.settings.maxExecutionRestarts;

    // Aborts in between do not bring the limit closer.
    expect(await stopAndHandle(f, line, "ABORTED")).toBe("restarted");
    for (let n = 1; n <= limit; n++) {
      expect(await stopAndHandle(f, line, n % 2 ? "FAILED" : "TIMED_OUT")).toBe("restarted");
    }
    const starts = f.workflow.starts.length;
    expect(await stopAndHandle(f, line, "FAILED")).toBe("left-for-operator");
    expect(f.workflow.starts).toHaveLength(starts);
    expect((await f.given.line(line)).executionFailures).toBe(limit);
  });

  it("ignores a stopped run the line has moved on from", async () => {
    const f = fakePorts();
    const { line } = await backorderedLine(f);
    const first = await stoppedEvent(f, line, "FAILED");
    expect(await restartOnStoppedEvent(f, first, MACHINE)).toBe("restarted");

    // The run the line had before its restart is reported again (or late): superseded.
    const starts = f.workflow.starts.length;
    expect(await restartOnStoppedEvent(f, { ...first, id: "another-delivery" }, MACHINE)).toBe(
      "superseded",
    );
    expect(f.workflow.starts).toHaveLength(starts);
    expect((await f.given.line(line)).executionName).toBe(`${line.lineId}-r1`);
  });

  it("starts one execution however often the same stop is delivered, also at once", async () => {
    const f = fakePorts();
    const { line } = await backorderedLine(f);
    const event = await stoppedEvent(f, line, "ABORTED");

    const outcomes = await Promise.all([
      restartOnStoppedEvent(f, event, MACHINE),
      restartOnStoppedEvent(f, event, MACHINE),
    ]);
    expect(outcomes.sort()).toEqual(["raced", "restarted"]);
    expect(await restartOnStoppedEvent(f, event, MACHINE)).toBe("superseded");

    // Both deliveries asked for the same name: Step Functions runs it once.
    expect([...f.workflow.executions.keys()]).toEqual([line.lineId, `${line.lineId}-r1`]);
    expect(await f.given.line(line)).toMatchObject({
      executionName: `${line.lineId}-r1`,
      executionRestarts: 1,
    });
  });

  it("leaves a cancelled line alone, and takes it off the live lines", async () => {
    const f = fakePorts();
    const { order, line } = await backorderedLine(f);
    await cancelLine(f, order.orderId, line.lineId);
    const starts = f.workflow.starts.length;

    expect(await stopAndHandle(f, line, "FAILED")).toBe("done");
    expect(f.workflow.starts).toHaveLength(starts);
    expect(f.liveLines.has(order.orderId, line.lineId)).toBe(false);
  });

  it("restarts a cancelled line whose charge was caught in flight, to settle it", async () => {
    const f = fakePorts();
    const { line } = await backorderedLine(f);
    const key = `${line.orderId}#${line.lineId}`;
    Object.assign(f.db.tables.lines.get(key) as Line, {
      status: "cancelled",
      chargingAttempt: 1,
    });
    expect(await stopAndHandle(f, line, "FAILED")).toBe("restarted");
  });

  it("ignores events of another machine or naming no line, and a line that does not exist", async () => {
    const f = fakePorts();
    const { line } = await backorderedLine(f);
    const event = await stoppedEvent(f, line, "FAILED");
    const other = `${MACHINE}-other`;
    expect(
      await restartOnStoppedEvent(
        f,
        { ...event, detail: { ...event.detail, stateMachineArn: other } },
        MACHINE,
      ),
    ).toBe("ignored");
    for (const input of [null, "not json", JSON.stringify({ orderId: line.orderId })]) {
      expect(
        await restartOnStoppedEvent(f, { ...event, detail: { ...event.detail, input } }, MACHINE),
      ).toBe("ignored");
    }
    const missing = JSON.stringify({ orderId: line.orderId, lineId: "ln_gone" });
    expect(
      await restartOnStoppedEvent(
        f,
        { ...event, detail: { ...event.detail, input: missing } },
        MACHINE,
      ),
    ).toBe("no-line");
    expect(f.workflow.starts).toHaveLength(1);
  });
});

describe("the restart-line handler's event validation", () => {
  const context = {
    functionName: "restart-line",
    awsRequestId: "req-1",
    getRemainingTimeInMillis: () => 30_000,
  } as Context;

  it("drops a malformed event (logged, not retried) and hands a valid one on", async () => {
    const handled: ExecutionStoppedEvent[] = [];
    const handler = eventTask(executionStoppedEvent, async (event) => {
      handled.push(event);
      return { outcome: "restarted" };
    });
    const f = fakePorts();
    const { line } = await backorderedLine(f);
    const valid = await stoppedEvent(f, line, "TIMED_OUT");

    for (const malformed of [
      {},
      { ...valid, source: "aws.ec2" },
      { ...valid, detail: { ...valid.detail, status: "SUCCEEDED" } },
      { ...valid, detail: { ...valid.detail, name: 42 } },
    ]) {
      expect(await handler(malformed, context)).toEqual({ dropped: true });
    }
    expect(handled).toEqual([]);
    expect(await handler(valid, context)).toEqual({ outcome: "restarted" });
    expect(handled).toHaveLength(1);
  });
});

describe("restartStoppedRun", () => {
  it("starts a line's execution that was never started under its own name", async () => {
    const f = fakePorts();
    await f.given.sku("W", { onHand: 0, backorder: { allowed: true } });
    const { line } = await f.given.order([{ sku: "W", qty: 1 }]);
    const run = { orderId: line.orderId, lineId: line.lineId, name: line.lineId } as const;

    expect(await restartStoppedRun(f, { ...run, status: "NOT_STARTED" })).toBe("started");
    expect(f.workflow.executions.get(line.lineId)).toEqual({
      orderId: line.orderId,
      lineId: line.lineId,
      notify: "backordered",
    });
    expect((await f.given.line(line)).executionName).toBeUndefined();
  });
});

describe("sweepLiveLines (the backstop)", () => {
  /** Orders of `perOrder` backordered lines each, placed now, none started. */
  async function liveLines(f: Fakes, orders: number, perOrder: number): Promise<Line[]> {
    await f.given.sku("W", { onHand: 0, backorder: { allowed: true } });
    const lines: Line[] = [];
    for (let i = 0; i < orders; i++) {
      const placed = await f.given.order(
        Array.from({ length: perOrder }, () => ({ sku: "W", qty: 1 })),
      );
      lines.push(...placed.lines);
    }
    return lines;
  }

  it("pages every shard of more than 1,000 live lines, with a few describes at a time", async () => {
    const f = fakePorts();
    // Placed ten minutes ago, and none of their executions started (their starts were lost).
    const lines = await liveLines(f, 110, 10);
    f.clock.advance({ minutes: 10 });

    const result = await sweepLiveLines(f);
    expect(result).toMatchObject({ checked: 1100, errors: 0, complete: true });
    expect(new Set(result.restarted)).toEqual(new Set(lines.map((l) => l.lineId)));
    expect(f.workflow.describes).toBe(1100);
    expect(f.workflow.maxDescribesInFlight).toBeGreaterThan(1);
    expect(f.workflow.maxDescribesInFlight).toBeLessThanOrEqual(DESCRIBE_CONCURRENCY);
    const shards = new Set(lines.map((l) => f.liveLines.shardOf(l.lineId)));
    expect(shards.size).toBe(f.liveLines.shards);

    // Each runs now; a second sweep finds them all running and starts nothing.
    for (const line of lines) expect(f.workflow.states.get(line.lineId)?.status).toBe("RUNNING");
    const again = await sweepLiveLines(f);
    expect(again).toMatchObject({ checked: 1100, restarted: [], complete: true });
    expect(f.workflow.executions.size).toBe(1100);
  }, 30_000);

  it("restarts what stopped or never started past the grace period, and nothing else", async () => {
    const f = fakePorts();
    const [neverStarted, stoppedLongAgo, running, failedLongAgo] = await liveLines(f, 1, 4);
    if (!neverStarted || !stoppedLongAgo || !running || !failedLongAgo) throw new Error("lines");
    for (const line of [stoppedLongAgo, running, failedLongAgo]) {
      await f.workflow.startNamed(line, line.lineId);
    }
    f.workflow.stop(stoppedLongAgo.lineId, "ABORTED", f.clock.now());
    f.workflow.stop(failedLongAgo.lineId, "FAILED", f.clock.now());
    f.clock.advance({ minutes: f.settings.restartGraceMinutes + 1 });
    // Lines placed just now, one stopped just now: their events (or their starts) go first.
    const [fresh, stoppedJustNow] = await liveLines(f, 1, 2);
    if (!fresh || !stoppedJustNow) throw new Error("lines");
    await f.workflow.startNamed(stoppedJustNow, stoppedJustNow.lineId);
    f.workflow.stop(stoppedJustNow.lineId, "FAILED", f.clock.now());

    const result = await sweepLiveLines(f);
    expect(result).toMatchObject({ checked: 6, errors: 0, complete: true });
    expect(result.restarted.sort()).toEqual(
      [neverStarted.lineId, stoppedLongAgo.lineId, failedLongAgo.lineId].sort(),
    );
    expect(f.workflow.states.get(neverStarted.lineId)?.status).toBe("RUNNING");
    expect((await f.given.line(stoppedLongAgo)).executionName).toBe(`${stoppedLongAgo.lineId}-r1`);
    expect(await f.given.line(failedLongAgo)).toMatchObject({
      executionName: `${failedLongAgo.lineId}-r1`,
      executionFailures: 1,
    });
    expect((await f.given.line(running)).executionName).toBeUndefined();
    expect(f.workflow.executions.has(`${running.lineId}-r1`)).toBe(false);
    expect(f.workflow.executions.has(fresh.lineId)).toBe(false);
    expect((await f.given.line(stoppedJustNow)).executionName).toBeUndefined();

    // Once the grace period is over, the backstop takes them too.
    f.clock.advance({ minutes: f.settings.restartGraceMinutes });
    expect((await sweepLiveLines(f)).restarted.sort()).toEqual(
      [fresh.lineId, stoppedJustNow.lineId].sort(),
    );
  });

  it("takes finished lines off the index: the backstop never looks at them again", async () => {
    const f = fakePorts();
    await f.given.sku("W", { onHand: 2 });
    const { order, lines } = await f.given.order([
      { sku: "W", qty: 1 },
      { sku: "W", qty: 1 },
    ]);
    const [cancelled, going] = lines;
    if (!cancelled || !going) throw new Error("lines");
    await cancelLine(f, order.orderId, cancelled.lineId);
    expect(f.liveLines.has(order.orderId, cancelled.lineId)).toBe(true);
    expect(await advanceLine(f, order.orderId, cancelled.lineId)).toMatchObject({ wait: null });
    expect(f.liveLines.has(order.orderId, cancelled.lineId)).toBe(false);

    expect(await advanceLine(f, order.orderId, going.lineId)).toMatchObject({ wait: "shipped" });
    expect(f.liveLines.has(order.orderId, going.lineId)).toBe(true);
    await f.workflow.startNamed(going, going.lineId);
    f.clock.advance({ minutes: 10 });
    const result = await sweepLiveLines(f);
    expect(result.checked).toBe(1);
    expect(f.workflow.describes).toBe(1);
  });

  it("stops in time when the run is short of it, and the next run goes on from there", async () => {
    const f = fakePorts();
    const lines = await liveLines(f, 10, 25);
    f.clock.advance({ minutes: 10 });
    let pages = 0;
    // Time for two pages per run (100 lines each).
    const timeLeftMs = () => (pages++ % 3 < 2 ? 60_000 : 1_000);

    const seen = new Set<string>();
    let runs = 0;
    for (;;) {
      runs++;
      const result = await sweepLiveLines(f, { timeLeftMs });
      for (const id of result.restarted) seen.add(id);
      if (result.complete) break;
      expect(await f.liveLines.sweepPosition()).not.toBeNull();
      expect(runs).toBeLessThan(10);
    }
    expect(runs).toBeGreaterThan(1);
    expect(seen.size).toBe(lines.length);
    expect(f.workflow.executions.size).toBe(lines.length);
    expect(await f.liveLines.sweepPosition()).toBeNull();
  });
});
