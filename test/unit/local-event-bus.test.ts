import { describe, expect, it } from "vitest";
import {
  BusClosedError,
  LocalEventBus,
  type LocalRule,
  matches,
} from "../../infra/local/events.ts";
import type { BusEvent } from "../../infra/local/stepfunctions/events.ts";
import type { FunctionName } from "../../shared/http/routes.ts";

const MACHINE = "arn:aws:states:us-east-1:000000000000:stateMachine:Line";

const stopped: LocalRule = {
  logicalId: "RestartRule",
  pattern: {
    source: ["aws.states"],
    "detail-type": ["Step Functions Execution Status Change"],
    detail: { status: ["FAILED", "TIMED_OUT", "ABORTED"], stateMachineArn: [MACHINE] },
  },
  targets: [{ fn: "restart-line", retryAttempts: 3 }],
};

function event(status: string, stateMachineArn = MACHINE, n = 1): BusEvent {
  return {
    version: "0",
    id: `event-${n}`,
    "detail-type": "Step Functions Execution Status Change",
    source: "aws.states",
    account: "000000000000",
    time: "2026-11-24T10:00:00Z",
    region: "us-east-1",
    resources: [`${MACHINE}:exec-${n}`],
    detail: { stateMachineArn, status, name: `exec-${n}` },
  };
}

function bus(
  invoke: (fn: FunctionName, event: BusEvent) => Promise<unknown>,
  options: { concurrency?: number } = {},
) {
  return new LocalEventBus({ rules: [stopped], invoke, backoffMs: 1, maxBackoffMs: 4, ...options });
}

describe("event patterns", () => {
  it("match on every field the pattern names, any listed value, and prefixes", () => {
    expect(matches(stopped.pattern, event("ABORTED"))).toBe(true);
    expect(matches(stopped.pattern, event("SUCCEEDED"))).toBe(false);
    expect(matches(stopped.pattern, event("FAILED", `${MACHINE}Other`))).toBe(false);
    expect(matches(stopped.pattern, { ...event("FAILED"), source: "aws.ec2" })).toBe(false);
    expect(matches(stopped.pattern, { ...event("FAILED"), detail: undefined })).toBe(false);
    expect(matches({ resources: [{ prefix: MACHINE }] }, event("FAILED"))).toBe(true);
    expect(matches({ resources: [{ prefix: "arn:aws:sqs" }] }, event("FAILED"))).toBe(false);
  });

  it("other EventBridge operators are refused when the rule is loaded, not silently mismatched", () => {
    const rule = { ...stopped, pattern: { detail: { status: [{ "anything-but": "RUNNING" }] } } };
    expect(() => new LocalEventBus({ rules: [rule], invoke: async () => null })).toThrow(
      /matches values and "prefix" only/,
    );
  });
});

describe("LocalEventBus", () => {
  it("delivers a matching event to its rule's target, and nothing else anywhere", async () => {
    const calls: [FunctionName, BusEvent][] = [];
    const b = bus(async (fn, e) => calls.push([fn, e]));
    await b.put(event("TIMED_OUT"));
    await b.put(event("SUCCEEDED"));
    expect(calls).toEqual([["restart-line", event("TIMED_OUT")]]);
    expect(b.pending()).toBe(0);
  });

  it("retries a failed delivery with back-off, counting it pending until it is delivered", async () => {
    let attempts = 0;
    const pendingSeen: number[] = [];
    const b = bus(async () => {
      attempts++;
      if (attempts < 3) throw new Error("handler failed");
    });
    const delivered = b.put(event("FAILED"));
    const watch = setInterval(() => pendingSeen.push(b.pending()), 0);
    await delivered;
    clearInterval(watch);
    expect(attempts).toBe(3);
    expect(pendingSeen.length).toBeGreaterThan(0);
    expect(pendingSeen.every((n) => n === 1)).toBe(true);
    expect(b.pending()).toBe(0);
  });

  it("gives up after the rule's retries, and says so (the sender keeps it owed)", async () => {
    let attempts = 0;
    const b = bus(async () => {
      attempts++;
      throw new Error("always fails");
    });
    await expect(b.put(event("FAILED"))).rejects.toThrow("always fails");
    expect(attempts).toBe(1 + 3);
    expect(b.pending()).toBe(0);
  });

  it("delivers a burst a few at a time", async () => {
    let inFlight = 0;
    let most = 0;
    const b = bus(
      async () => {
        inFlight++;
        most = Math.max(most, inFlight);
        await new Promise((resolve) => setTimeout(resolve, 2));
        inFlight--;
      },
      { concurrency: 3 },
    );
    const burst = Array.from({ length: 20 }, (_, n) => b.put(event("ABORTED", MACHINE, n)));
    expect(b.pending()).toBe(20);
    await Promise.all(burst);
    expect(most).toBe(3);
    expect(b.pending()).toBe(0);
  });

  it("once closed, drops what is not delivered (rejected) and takes nothing more", async () => {
    const b = bus(
      async () => {
        throw new Error("down");
      },
      { concurrency: 1 },
    );
    const first = b.put(event("FAILED", MACHINE, 1));
    const second = b.put(event("FAILED", MACHINE, 2));
    b.close();
    await expect(first).rejects.toThrow();
    await expect(second).rejects.toThrow();
    expect(b.pending()).toBe(0);
    await expect(b.put(event("FAILED"))).rejects.toBeInstanceOf(BusClosedError);
  });
});
