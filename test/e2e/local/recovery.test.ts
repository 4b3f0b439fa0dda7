import { randomUUID } from "node:crypto";
import { DescribeExecutionCommand, StartExecutionCommand } from "@aws-sdk/client-sfn";
import { describe, expect, it } from "vitest";
import { lineRunInput } from "../../../shared/adapters/sfn-line-workflow.ts";
import { api, eventually, keys, newSku, putSku } from "../support.ts";
import { backorderedOrder, localAdapters, virtualNow } from "./support-local.ts";

/** Lines left in awkward places by a crash or a race, and how they get out. */
const { stack, store, sfn } = localAdapters();

const executionArn = (name: string) =>
  `${stack.lineStateMachineArn.replace(":stateMachine:", ":execution:")}:${name}`;

describe("recovery", () => {
  it("a line cancelled while its charge was in flight gets that charge refunded by its execution", async () => {
    const { order, line } = backorderedOrder(await virtualNow(), 10);
    // Cancelled after the charge attempt was recorded and before its result was.
    await store.putOrder(order, [
      {
        ...line,
        status: "cancelled",
        chargeAttempts: 1,
        chargingAttempt: 1,
        chargingMethod: "pm_card_visa",
      },
    ]);
    await sfn.send(
      new StartExecutionCommand({
        stateMachineArn: stack.lineStateMachineArn,
        name: line.lineId,
        input: lineRunInput({ orderId: order.orderId, lineId: line.lineId }),
      }),
    );
    const done = await eventually(
      async () => {
        const out = await sfn.send(
          new DescribeExecutionCommand({ executionArn: executionArn(line.lineId) }),
        );
        return out.status === "RUNNING" ? undefined : out;
      },
      { what: "the execution to settle and finish" },
    );
    expect(done.status).toBe("SUCCEEDED");
    const settled = await store.getLine(order.orderId, line.lineId);
    expect(settled?.refund).toMatchObject({ amount: 2 * 1999, currency: "USD" });
    expect(settled?.refund?.refundId).toMatch(/^sbx_re_/);
    expect(settled?.chargingAttempt).toBeUndefined();
  });

  it("a waiting line whose execution never started is started when stock reaches it", async () => {
    const sku = newSku();
    await putSku(sku, { name: "W", onHand: 0, backorder: { allowed: true } });
    const { order, line } = backorderedOrder(await virtualNow(), 10);
    // As a split remainder is written, whose StartExecution was cut off.
    const orphan = { ...line, sku, qty: 1 };
    await store.putOrder(order, [orphan]);
    const received = await api("/v1/receipts", {
      method: "POST",
      key: keys.warehouse,
      body: { receiptId: `RCV-${randomUUID()}`, lines: [{ sku, qty: 1 }] },
    });
    expect(received.status, received.text).toBe(200);
    expect(received.json.allocations).toEqual([
      { lineId: line.lineId, orderId: order.orderId, sku, qty: 1 },
    ]);
    await eventually(
      async () =>
        (await store.getLine(order.orderId, line.lineId))?.status === "shipment_requested",
      { what: "the orphan line to run and ask for its shipment" },
    );
  });
});
