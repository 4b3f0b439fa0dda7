import { randomUUID } from "node:crypto";
import { describe, expect, it } from "vitest";
import { LINE_STATES } from "../../../infra/constructs/line-workflow.ts";
import { ownStack } from "../own-stack.ts";
import { api, eventually, keys, newSku, orderBody, postOrder, putSku } from "../support.ts";
import { advanceClock, enteredStates, localAdapters } from "./support-local.ts";

// This file moves the virtual clock, so it runs on a stack of its own.
await ownStack();
const { stack, store, sfn } = localAdapters();
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
