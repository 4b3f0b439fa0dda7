import { randomUUID } from "node:crypto";
import { describe, expect, it } from "vitest";
import { LINE_STATES } from "../../../infra/constructs/line-workflow.ts";
import type { MeterReading } from "../../../shared/adapters/meter.ts";
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
import { advanceClock, enteredStates, localAdapters } from "./support-local.ts";

// This file moves the virtual clock, so it runs on a stack of its own.
await ownStack();
const { stack, store, sfn, waits } = localAdapters();
const executionArn = (name: string) =>
  `${stack.lineStateMachineArn.replace(":stateMachine:", ":execution:")}:${name}`;

/** State transitions of an execution, counted from its history (states entered). */
const transitionsOf = async (lineId: string) =>
  (await enteredStates(sfn, executionArn(lineId))).length;

async function backorderedLine(sku: string) {
  const placed = await postOrder(orderBody([{ lineRef: "1", sku, qty: 1 }]));
  expect(placed.status, placed.text).toBe(201);
  const [line] = placed.json.lines as { lineId: string; status: string }[];
  expect(line?.status).toBe("backordered");
  return { orderId: String(placed.json.orderId), lineId: String(line?.lineId) };
}

const parkedIn = (lineId: string, status: string) =>
  eventually(
    async () => {
      const states = await enteredStates(sfn, executionArn(lineId));
      const line = await store.getLine(orderIdOf.get(lineId) ?? "", lineId);
      return states.at(-1) === LINE_STATES.park && line?.status === status ? states : undefined;
    },
    { what: `line ${lineId} parked while ${status}` },
  );
const orderIdOf = new Map<string, string>();

describe("the cost of a line, counted from execution history", () => {
  it("a backordered line's whole life (park, receipt, charge, ship, deliver) takes at most 12 transitions", async () => {
    const sku = newSku();
    await putSku(sku, { name: "W", onHand: 0, backorder: { allowed: true, leadTimeDays: 10 } });
    const { orderId, lineId } = await backorderedLine(sku);
    orderIdOf.set(lineId, orderId);
    await parkedIn(lineId, "backordered");

    const receipt = await api("/v1/receipts", {
      method: "POST",
      key: keys.warehouse,
      body: { receiptId: `RCV-${randomUUID()}`, lines: [{ sku, qty: 1 }] },
    });
    expect(receipt.status, receipt.text).toBe(200);
    await parkedIn(lineId, "shipment_requested");

    const shipmentId = String((await store.getLine(orderId, lineId))?.shipmentId);
    const shipped = await api(`/v1/shipments/${shipmentId}/shipped`, {
      method: "POST",
      key: keys.warehouse,
      body: { carrier: "UPS", trackingNumber: "1Z999AA10123456784" },
    });
    expect(shipped.status, shipped.text).toBe(200);
    await parkedIn(lineId, "shipped");
    const delivered = await api(`/v1/shipments/${shipmentId}/delivered`, {
      method: "POST",
      key: keys.warehouse,
    });
    expect(delivered.status, delivered.text).toBe(200);
    const states = await eventually(
      async () => {
        const entered = await enteredStates(sfn, executionArn(lineId));
        return entered.at(-1) === LINE_STATES.finished ? entered : undefined;
      },
      { what: "the execution to finish" },
    );
    expect(states.length, states.join(" → ")).toBeLessThanOrEqual(12);
    expect(await transitionsOf(lineId)).toBe(states.length);
    // Each change was marked as owed a wake-up; parking and finishing took the marks away,
    // so the wake deliverer has nothing left to do for this line.
    await settled();
    expect(await waits.owedWake(orderId, lineId)).toBeNull();
  });

  it("a line that waits through one delay notice adds at most 4 transitions", async () => {
    const sku = newSku();
    await putSku(sku, { name: "W", onHand: 0, backorder: { allowed: true, leadTimeDays: 2 } });
    const { orderId, lineId } = await backorderedLine(sku);
    orderIdOf.set(lineId, orderId);
    const before = (await parkedIn(lineId, "backordered")).length;
    // Past the promised day by 5 days: an apology-tier delay notice, and it waits on.
    await advanceClock(8 * 86_400);
    const after = await eventually(
      async () => {
        const states = await enteredStates(sfn, executionArn(lineId));
        const line = await store.getLine(orderId, lineId);
        return states.length > before &&
          states.at(-1) === LINE_STATES.park &&
          (line?.delays ?? 0) > 0
          ? states
          : undefined;
      },
      { what: "the delay notice and the line parked again" },
    );
    expect(after.length - before).toBeLessThanOrEqual(4);
  });
});

describe("the meter (GET /_local/meter)", () => {
  it("counts what taking a backordered order really called, and DynamoDB's consumed capacity", async () => {
    const sku = newSku();
    await putSku(sku, { name: "W", onHand: 0, backorder: { allowed: true, leadTimeDays: 10 } });
    await settled();
    expect((await api("/_local/meter", { method: "DELETE" })).status).toBe(204);
    const line = await backorderedLine(sku);
    await settled();

    const meter = await api("/_local/meter");
    expect(meter.status).toBe(200);
    const reading = meter.json as unknown as MeterReading & { lambda: Record<string, number> };
    // One intake transaction, one backordered email, one execution, parked on its token.
    expect(reading.calls.dynamodb?.TransactWriteItems).toBe(1);
    expect(reading.calls.ses?.SendEmail).toBe(1);
    expect(reading.calls.sfn?.StartExecution).toBe(1);
    expect(reading.lambda).toMatchObject({ "post-order": 1, "park-line": 1 });
    // Capacity as DynamoDB reported it: a transaction bills each item twice.
    expect(reading.dynamodb.unitsByOperation.TransactWriteItems).toBeGreaterThanOrEqual(8);
    expect(reading.dynamodb.writeUnits).toBeGreaterThan(
      reading.dynamodb.unitsByOperation.TransactWriteItems ?? 0,
    );
    expect(reading.dynamodb.readUnits).toBeGreaterThan(0);
    expect(await transitionsOf(line.lineId)).toBeGreaterThan(0);

    // A reset starts the count again.
    await api("/_local/meter", { method: "DELETE" });
    const after = (await api("/_local/meter")).json as unknown as MeterReading;
    expect(after.calls.ses?.SendEmail ?? 0).toBe(0);
  });
});
