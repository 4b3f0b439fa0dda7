import { randomUUID } from "node:crypto";
import { DescribeExecutionCommand, GetExecutionHistoryCommand } from "@aws-sdk/client-sfn";
import { describe, expect, it } from "vitest";
import { keys as tableKeys } from "../../../shared/adapters/dynamodb/table.ts";
import { EMAIL_SEND_ATTEMPTS } from "../../../shared/domain/notifications.ts";
import { ownStack } from "../own-stack.ts";
import {
  api,
  eventually,
  keys,
  newSku,
  orderBody,
  postOrder,
  putSku,
  settled,
} from "../support.ts";
import { advanceClock, emailsTo, localAdapters, parkedFor } from "./support-local.ts";

/**
 * Issue 10, "nothing ordinary is fatal": with SES refusing sends, or Lambda throttling the
 * machine's tasks, for a while at each turn of their lives, a handful of backordered lines
 * still go through receipt, charge, shipping and delivery: every line is delivered, each
 * email is in the mail store once and listed sent, each line is charged once.
 */
// Faults hold for the whole stack, and this file moves the clock: a stack of its own.
await ownStack();
const { stack, store, sfn, waits } = localAdapters();
const LINES = 4;

const faults = {
  put: async (body: unknown) => {
    const res = await api("/_local/faults", { method: "PUT", body });
    expect(res.status, res.text).toBe(200);
  },
  clear: () => api("/_local/faults", { method: "DELETE" }),
};

interface PlacedLine {
  orderId: string;
  lineId: string;
  email: string;
  executionArn: string;
}

const executionArnOf = (lineId: string) =>
  `${stack.lineStateMachineArn.replace(":stateMachine:", ":execution:")}:${lineId}`;

async function placeBackordered(sku: string): Promise<PlacedLine> {
  const body = orderBody([{ lineRef: "1", sku, qty: 1 }]);
  const placed = await postOrder(body);
  expect(placed.status, placed.text).toBe(201);
  const [line] = placed.json.lines as { lineId: string; status: string }[];
  expect(line?.status).toBe("backordered");
  const lineId = String(line?.lineId);
  return {
    orderId: String(placed.json.orderId),
    lineId,
    email: body.customer.email,
    executionArn: executionArnOf(lineId),
  };
}

/** The stored email item of that kind (claim state, sends tried), whatever its state. */
async function storedEmail(orderId: string, kind: string) {
  const items = await store.table.queryAll(tableKeys.order(orderId).pk, "NOTIF#");
  return items.find((i) => i.kind === kind);
}

/** How many of an execution's tasks Lambda throttled, from its history. */
async function throttledTasks(executionArn: string): Promise<number> {
  const out = await sfn.send(new GetExecutionHistoryCommand({ executionArn, maxResults: 1000 }));
  return (out.events ?? []).filter(
    (e) =>
      (e.lambdaFunctionFailedEventDetails ?? e.taskFailedEventDetails)?.error ===
      "Lambda.TooManyRequestsException",
  ).length;
}

const every = async (lines: PlacedLine[], check: (line: PlacedLine) => Promise<boolean>) =>
  (await Promise.all(lines.map(check))).every(Boolean);

/** A fault, and how a test sees that a line met it at a turn (`kind`: the email it owes). */
interface Fault {
  config: unknown;
  /** Notes where the lines stand before a turn. */
  before?(lines: PlacedLine[]): Promise<void>;
  hit(line: PlacedLine, kind: string): Promise<boolean>;
}

/**
 * One turn of the lines' lives under a fault: the fault is set, `act` makes every line do
 * something, the fault stays until `hit` says every line met it, then it is cleared and
 * the clock moved past the machine's back-off until every line is `after`.
 */
async function underFault(
  lines: PlacedLine[],
  fault: Fault,
  kind: string,
  act: () => Promise<void>,
  after: (line: PlacedLine) => Promise<boolean>,
) {
  const what = `the ${kind} turn`;
  const hit = (line: PlacedLine) => fault.hit(line, kind);
  await fault.before?.(lines);
  await faults.put(fault.config);
  await act();
  // A line meets the fault at its next step: on a machine busy with a dozen other stacks
  // (the whole suite at once) that can take a while.
  await eventually(() => every(lines, hit), {
    what: `every line to meet the fault (${what})`,
    timeoutMs: 60_000,
    intervalMs: 250,
  });
  await faults.clear();
  // Retries wait on the virtual clock (at most MaxDelaySeconds): move it past them.
  await eventually(
    async () => {
      await advanceClock(130);
      return every(lines, after);
    },
    { what: `every line to go on (${what})`, intervalMs: 250, timeoutMs: 60_000 },
  );
}

const parked = (wait: string) => async (line: PlacedLine) =>
  (await parkedFor(sfn, line.executionArn)) === wait;

const finished = async (line: PlacedLine) => {
  const out = await sfn.send(new DescribeExecutionCommand({ executionArn: line.executionArn }));
  return out.status === "SUCCEEDED";
};

async function shipmentOf(line: PlacedLine): Promise<string> {
  return String((await store.getLine(line.orderId, line.lineId))?.shipmentId);
}

async function warehouse(path: string, body?: unknown) {
  const res = await api(path, { method: "POST", key: keys.warehouse, body });
  expect(res.status, res.text).toBe(200);
}

/** What the customers and the provider saw, once nothing is in flight any more. */
async function expectDeliveredOnce(lines: PlacedLine[]) {
  await settled();
  const kinds = ["backordered", "charged", "shipped", "delivered"];
  const messageKeys = new Set<string>();
  for (const line of lines) {
    const stored = await store.getLine(line.orderId, line.lineId);
    expect(stored?.status).toBe("delivered");
    // Charged once: the first attempt, and no other was begun.
    expect(stored?.charge?.attempt).toBe(1);
    expect(stored?.chargeAttempts).toBe(1);
    const listed = await api(`/v1/orders/${line.orderId}/notifications`, { key: keys.storefront });
    expect(listed.status).toBe(200);
    expect(listed.json.failed).toBeUndefined();
    expect((listed.json.notifications as { kind: string }[]).map((n) => n.kind)).toEqual(kinds);
    const sent = await emailsTo(line.email);
    expect(sent.map((e) => e.subject).length, "emails in the store").toBe(kinds.length);
    for (const kind of kinds) {
      const item = await storedEmail(line.orderId, kind);
      expect(item?.state).toBe("sent");
      expect(Number(item?.attempts)).toBeLessThan(EMAIL_SEND_ATTEMPTS);
    }
    // Each email carries its own idempotent message key, shown by the mail store.
    for (const email of sent) {
      const key = email.headers?.find((h) => h.name === "X-Backorder-Message-Key")?.value;
      expect(key, email.subject).toMatch(/^[A-Za-z0-9_-]{32}$/);
      messageKeys.add(String(key));
    }
  }
  expect(messageKeys.size).toBe(lines.length * kinds.length);
}

/** Receipt, charge, shipping and delivery of every line, each turn under `fault`. */
async function liveThrough(fault: Fault): Promise<PlacedLine[]> {
  const sku = newSku("FLT");
  await putSku(sku, { name: "W", onHand: 0, backorder: { allowed: true, leadTimeDays: 30 } });
  const lines: PlacedLine[] = [];
  await underFault(
    lines,
    fault,
    "backordered",
    async () => {
      for (let i = 0; i < LINES; i++) lines.push(await placeBackordered(sku));
    },
    parked("stock"),
  );
  await underFault(
    lines,
    fault,
    "charged",
    () =>
      warehouse("/v1/receipts", { receiptId: `RCV-${randomUUID()}`, lines: [{ sku, qty: LINES }] }),
    parked("shipped"),
  );
  await underFault(
    lines,
    fault,
    "shipped",
    async () => {
      for (const line of lines) {
        await warehouse(`/v1/shipments/${await shipmentOf(line)}/shipped`, {
          carrier: "UPS",
          trackingNumber: `1Z${randomUUID().slice(0, 8)}`,
        });
      }
    },
    parked("delivered"),
  );
  await underFault(
    lines,
    fault,
    "delivered",
    async () => {
      for (const line of lines) {
        await warehouse(`/v1/shipments/${await shipmentOf(line)}/delivered`);
      }
    },
    finished,
  );
  return lines;
}

describe("lines live through ordinary AWS failures", () => {
  it("SES refusing sends for a while: each email is retried by the machine and sent once", async () => {
    const lines = await liveThrough({
      config: { ses: { error: "TooManyRequestsException" } },
      async hit(line, kind) {
        const item = await storedEmail(line.orderId, kind);
        if (typeof item?.failure !== "string") return false;
        // The API gives the backordered email its quick sends and records it failed; the
        // line's first step has to have met the outage too.
        return kind === "backordered" ? Number(item.attempts) > 3 : true;
      },
    });
    await expectDeliveredOnce(lines);
  }, 300_000);

  it("SendTaskSuccess refused for a while: every wake-up is owed, then delivered by the outbox", async () => {
    const lines = await liveThrough({
      config: { sendTaskSuccess: { error: "ThrottlingException" } },
      async hit(line, kind) {
        // Nothing wakes a line at its first turn: it starts and parks.
        if (kind === "backordered") return parked("stock")(line);
        // Changed, its wake-up refused: still parked on its old token, the wake owed.
        return (await waits.owedWake(line.orderId, line.lineId)) !== null;
      },
    });
    await expectDeliveredOnce(lines);
    for (const line of lines) {
      expect(await waits.owedWake(line.orderId, line.lineId)).toBeNull();
    }
  }, 300_000);

  it("Lambda throttling the machine's tasks for a while: each line goes on once it is served", async () => {
    const before = new Map<string, number>();
    const lines = await liveThrough({
      config: { lambda: {} },
      async before(lines) {
        for (const line of lines) before.set(line.lineId, await throttledTasks(line.executionArn));
      },
      async hit(line) {
        return (await throttledTasks(line.executionArn)) > (before.get(line.lineId) ?? 0);
      },
    });
    await expectDeliveredOnce(lines);
  }, 300_000);
});
