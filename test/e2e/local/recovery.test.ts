import { randomUUID } from "node:crypto";
import {
  DescribeExecutionCommand,
  StartExecutionCommand,
  StopExecutionCommand,
} from "@aws-sdk/client-sfn";
import { describe, expect, it } from "vitest";
import { lineRunInput } from "../../../shared/adapters/sfn-line-workflow.ts";
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
import {
  backorderedOrder,
  emailsTo,
  localAdapters,
  parkedFor,
  virtualNow,
} from "./support-local.ts";

/** Lines left in awkward places by a crash or a race, and how they get out. */
const { stack, store, sfn } = localAdapters();

const executionArn = (name: string) =>
  `${stack.lineStateMachineArn.replace(":stateMachine:", ":execution:")}:${name}`;

describe("recovery", () => {
  it("an execution stopped by hand is restarted by its event, and the line still finishes once", async () => {
    const sku = newSku();
    await putSku(sku, { name: "W", onHand: 0, backorder: { allowed: true } });
    const body = orderBody([{ lineRef: "1", sku, qty: 1 }]);
    const placed = await postOrder(body);
    expect(placed.status, placed.text).toBe(201);
    const orderId = String(placed.json.orderId);
    const [{ lineId }] = placed.json.lines as [{ lineId: string }];
    await eventually(async () => (await parkedFor(sfn, executionArn(lineId))) === "stock", {
      what: "the line to park for stock",
    });

    // An operator stops the execution: Step Functions says so (an event), and the line is
    // restarted before the stack is idle again.
    await sfn.send(
      new StopExecutionCommand({
        executionArn: executionArn(lineId),
        error: "Operator",
        cause: "stopped by hand",
      }),
    );
    await settled();
    const stopped = await sfn.send(
      new DescribeExecutionCommand({ executionArn: executionArn(lineId) }),
    );
    expect(stopped.status).toBe("ABORTED");
    expect(await store.getLine(orderId, lineId)).toMatchObject({
      executionName: `${lineId}-r1`,
      executionRestarts: 1,
      executionFailures: 0,
    });
    expect(await parkedFor(sfn, executionArn(`${lineId}-r1`))).toBe("stock");

    // The restarted line goes on to the end: one charge, one of each email.
    const receipt = await api("/v1/receipts", {
      method: "POST",
      key: keys.warehouse,
      body: { receiptId: `RCV-${randomUUID()}`, lines: [{ sku, qty: 1 }] },
    });
    expect(receipt.status, receipt.text).toBe(200);
    const requested = await eventually(
      async () => {
        const line = await store.getLine(orderId, lineId);
        return line?.status === "shipment_requested" ? line : undefined;
      },
      { what: "the line to be charged and handed to the warehouse" },
    );
    const shipment = `/v1/shipments/${requested.shipmentId}`;
    const warehouse = (path: string, body?: unknown) =>
      api(path, { method: "POST", key: keys.warehouse, body });
    expect(
      (await warehouse(`${shipment}/shipped`, { carrier: "UPS", trackingNumber: "1Z9" })).status,
    ).toBe(200);
    expect((await warehouse(`${shipment}/delivered`)).status).toBe(200);
    await eventually(async () => (await store.getLine(orderId, lineId))?.status === "delivered", {
      what: "the line to be delivered",
    });
    await settled();

    const line = await store.getLine(orderId, lineId);
    expect(line).toMatchObject({ status: "delivered", chargeAttempts: 1 });
    expect(line?.charge?.attempt).toBe(1);
    const kinds = (await store.listNotifications(orderId)).map((n) => n.kind);
    expect(kinds).toEqual(["backordered", "charged", "shipped", "delivered"]);
    expect((await emailsTo(body.customer.email)).map((e) => e.subject)).toHaveLength(4);
    const finished = await sfn.send(
      new DescribeExecutionCommand({ executionArn: executionArn(`${lineId}-r1`) }),
    );
    expect(finished.status).toBe("SUCCEEDED");
    // Its execution finished: the line is off the live-lines index the backstop watches.
    const item = await store.table.get({ pk: `ORDER#${orderId}`, sk: `LINE#${lineId}` });
    expect(item?.gsi3pk).toBeUndefined();
  });

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
