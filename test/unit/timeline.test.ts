import { readFileSync } from "node:fs";
import type { HistoryEvent } from "@aws-sdk/client-sfn";
import { describe, expect, it } from "vitest";
import { builtSource } from "../../infra/tools/console.ts";
import { interpretRun } from "../../shared/adapters/sfn-run-history.ts";
import type { Line } from "../../shared/domain/model.ts";
import type { Notification } from "../../shared/domain/notifications.ts";
import { executionNamesOf, lineTimeline, type RunEvent } from "../../shared/domain/timeline.ts";
import { LINE_STATES } from "../../shared/workflow/states.ts";

const at = (minute: number) => new Date(Date.UTC(2026, 2, 1, 10, minute)).toISOString();

function line(overrides: Partial<Line> = {}): Line {
  return {
    orderId: "ord_1",
    lineId: "ln_1",
    lineRef: "1",
    sku: "LAMP",
    qty: 2,
    unitPrice: 4500,
    currency: "USD",
    status: "backordered",
    eta: null,
    promisedBy: "2026-03-15",
    createdAt: at(0),
    history: [{ status: "backordered", at: at(0) }],
    lastContactAt: at(0),
    promiseEscalated: false,
    ...overrides,
  };
}

const email = (kind: Notification["kind"], minute: number, lineIds: string[], more = {}) =>
  ({
    kind,
    to: "ada@example.com",
    subject: `${kind} subject`,
    sentAt: at(minute),
    lineIds,
    state: "sent",
    attempts: 1,
    ...more,
  }) satisfies Notification;

describe("a line's timeline", () => {
  it("puts statuses, charges, declines, a refund, its emails and its runs in time order", () => {
    const charged = line({
      status: "cancelled",
      // Declined twice (the status moves at the first only), charged at the third try.
      history: [
        { status: "backordered", at: at(0) },
        { status: "allocated", at: at(10) },
        { status: "awaiting_payment", at: at(11) },
        { status: "charged", at: at(31) },
        { status: "cancelled", at: at(40) },
      ],
      declinedAt: [at(11), at(21)],
      charge: { chargeId: "ch_1", amount: 9000, currency: "USD", attempt: 3 },
      chargeAttempts: 3,
      refund: { refundId: "re_1", amount: 9000, currency: "USD" },
    });
    const emails = [
      email("backordered", 1, ["ln_1", "ln_2"]),
      email("shipped", 2, ["ln_2"]),
      email("payment_failed", 12, ["ln_1"], {
        state: "failed",
        attempts: 5,
        failure: "MessageRejected",
      }),
    ];
    const run: RunEvent[] = [
      { at: at(0), kind: "run_started", execution: "ln_1" },
      { at: at(1), kind: "parked", wait: "stock", seconds: 3600 },
      { at: at(10), kind: "woken", reason: "allocated" },
      { at: at(41), kind: "run_ended", execution: "ln_1", status: "SUCCEEDED" },
    ];
    const events = lineTimeline(charged, emails, [
      { execution: "ln_1", events: run, truncated: false },
    ]);

    expect(events.map((e) => e.at)).toEqual(events.map((e) => e.at).sort());
    expect(events.map((e) => (e.kind === "status" ? e.status : e.kind))).toEqual([
      "backordered",
      "run_started",
      "email",
      "parked",
      "allocated",
      "woken",
      "awaiting_payment",
      "charge_declined",
      "email",
      "charge_declined",
      "charged",
      "charge",
      "cancelled",
      "refund",
      "run_ended",
    ]);
    const declines = events.filter((e) => e.kind === "charge_declined");
    expect(declines.map((e) => [e.at, e.decline])).toEqual([
      [at(11), 1],
      [at(21), 2],
    ]);
    // A line declined before `declinedAt` was kept: its first decline, from its history.
    const older = lineTimeline({ ...charged, declinedAt: undefined }, [], []);
    expect(older.filter((e) => e.kind === "charge_declined")).toEqual([
      { at: at(11), kind: "charge_declined", decline: 1 },
    ]);
    expect(events.find((e) => e.kind === "charge")).toEqual({
      at: at(31),
      kind: "charge",
      amount: 9000,
      currency: "USD",
      chargeId: "ch_1",
      attempt: 3,
    });
    expect(events.find((e) => e.kind === "refund")).toMatchObject({ at: at(40), refundId: "re_1" });
    // Only the emails about this line; a failed one with its tries and why.
    const mails = events.filter((e) => e.kind === "email");
    expect(mails.map((e) => e.email)).toEqual(["backordered", "payment_failed"]);
    expect(mails[1]).toMatchObject({ state: "failed", attempts: 5, failure: "MessageRejected" });
  });

  it("names a line's executions: its id, then one per restart", () => {
    expect(executionNamesOf({ lineId: "ln_1" })).toEqual(["ln_1"]);
    expect(executionNamesOf({ lineId: "ln_1", executionRestarts: 2 })).toEqual([
      "ln_1",
      "ln_1-r1",
      "ln_1-r2",
    ]);
  });
});

describe("a run's execution history, read in the line machine's terms", () => {
  let id = 0;
  const event = (type: string, minute: number, details: Partial<HistoryEvent> = {}) =>
    ({
      id: ++id,
      previousEventId: id - 1,
      type,
      timestamp: new Date(at(minute)),
      ...details,
    }) as HistoryEvent;
  const entered = (name: string, minute: number, input: unknown) =>
    event(name === LINE_STATES.turn ? "WaitStateEntered" : "TaskStateEntered", minute, {
      stateEnteredEventDetails: { name, input: JSON.stringify(input) },
    });
  const exited = (name: string, minute: number, output: unknown) =>
    event("TaskStateExited", minute, {
      stateExitedEventDetails: { name, output: JSON.stringify(output) },
    });

  it("tells parks, wakes and why, turns at a rate, failed steps and the run's end", () => {
    const history = [
      event("ExecutionStarted", 0),
      entered(LINE_STATES.advance, 0, {}),
      ...[0, 0].map((minute) =>
        event("LambdaFunctionFailed", minute, {
          lambdaFunctionFailedEventDetails: { error: "Lambda.TooManyRequestsException" },
        }),
      ),
      exited(LINE_STATES.advance, 1, { step: { wait: "stock" } }),
      entered(LINE_STATES.park, 1, { step: { wait: "stock", waitSeconds: 86400 } }),
      exited(LINE_STATES.park, 5, { resume: { reason: "allocated" } }),
      entered(LINE_STATES.turn, 6, { step: { wait: "payment", waitSeconds: 12, turn: true } }),
      entered(LINE_STATES.park, 7, { step: { wait: "shipped", waitSeconds: 600 } }),
      event("TaskTimedOut", 17, {
        taskTimedOutEventDetails: {
          resourceType: "lambda",
          resource: "invoke.waitForTaskToken",
          error: "States.Timeout",
        },
      }),
      entered(LINE_STATES.park, 18, { step: { wait: "shipped", waitSeconds: 600 } }),
      event("TaskFailed", 19, {
        taskFailedEventDetails: {
          resourceType: "lambda",
          resource: "invoke",
          error: "LineChanged",
        },
      }),
      event("ExecutionSucceeded", 20),
    ];
    expect(interpretRun("ln_1", history)).toEqual([
      { at: at(0), kind: "run_started", execution: "ln_1" },
      { at: at(0), kind: "step_failed", error: "Lambda.TooManyRequestsException", times: 2 },
      { at: at(1), kind: "parked", wait: "stock", seconds: 86400 },
      { at: at(5), kind: "woken", reason: "allocated" },
      { at: at(6), kind: "rate_wait", seconds: 12 },
      { at: at(7), kind: "parked", wait: "shipped", seconds: 600 },
      { at: at(17), kind: "woken", reason: "timer" },
      { at: at(18), kind: "parked", wait: "shipped", seconds: 600 },
      { at: at(19), kind: "woken", reason: "line-changed" },
      { at: at(20), kind: "run_ended", execution: "ln_1", status: "SUCCEEDED" },
    ]);
  });

  it("read from its middle, takes the first end of a park for a wake", () => {
    const history = [
      event("TaskSucceeded", 3, {
        taskSucceededEventDetails: { resourceType: "lambda", resource: "invoke.waitForTaskToken" },
      }),
      exited(LINE_STATES.park, 3, { resume: { reason: "shipped" } }),
      event("ExecutionSucceeded", 4),
    ];
    expect(interpretRun("ln_1", history, { fromMidway: true })).toEqual([
      { at: at(3), kind: "woken", reason: "shipped" },
      { at: at(4), kind: "run_ended", execution: "ln_1", status: "SUCCEEDED" },
    ]);
  });

  it("counts a park's end once, whichever events AWS reports for it", () => {
    const history = [
      entered(LINE_STATES.park, 1, { step: { wait: "stock", waitSeconds: 60 } }),
      event("TaskTimedOut", 2, {
        taskTimedOutEventDetails: {
          resourceType: "lambda",
          resource: "invoke.waitForTaskToken",
          error: "States.Timeout",
        },
      }),
      exited(LINE_STATES.park, 2, { interrupted: { Error: "States.Timeout" } }),
    ];
    expect(interpretRun("ln_1", history).filter((e) => e.kind === "woken")).toHaveLength(1);
  });
});

describe("the console's build", () => {
  it("is bundled from shared/console/app as it is now (npm run console:build)", async () => {
    const current = readFileSync(new URL("../../shared/console/built.ts", import.meta.url), "utf8");
    expect(current === (await builtSource())).toBe(true);
  }, 60_000);
});
