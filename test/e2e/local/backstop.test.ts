import { randomUUID } from "node:crypto";
import { DescribeExecutionCommand } from "@aws-sdk/client-sfn";
import { describe, expect, it } from "vitest";
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
import {
  advanceClock,
  backorderedOrder,
  emailsTo,
  localAdapters,
  parkedFor,
  virtualNow,
} from "./support-local.ts";

/**
 * The reconciler's backstop over persisted line state: every few minutes it walks the
 * lines whose execution has not finished and starts what has none. This file moves the
 * virtual clock, so it runs on a stack of its own.
 */
await ownStack();
const { stack, store, sfn } = localAdapters();

const executionArn = (name: string) =>
  `${stack.lineStateMachineArn.replace(":stateMachine:", ":execution:")}:${name}`;

const statusOf = (name: string) =>
  sfn
    .send(new DescribeExecutionCommand({ executionArn: executionArn(name) }))
    .then((out) => out.status)
    .catch((error: Error) => error.name);

describe("the reconciler's backstop", () => {
  it("starts a waiting line whose execution was never started, and leaves running ones alone", async () => {
    const sku = newSku();
    await putSku(sku, { name: "W", onHand: 0, backorder: { allowed: true } });
    // A line written with no execution and no trace of its order's follow-up: nothing but
    // the line itself says it needs one.
    const orphan = backorderedOrder(await virtualNow(), 10);
    await store.putOrder(orphan.order, [{ ...orphan.line, sku, qty: 1 }]);
    // And a line that runs as it should.
    const placed = await postOrder(orderBody([{ lineRef: "1", sku, qty: 1 }]));
    expect(placed.status, placed.text).toBe(201);
    const orderId = String(placed.json.orderId);
    const [{ lineId }] = placed.json.lines as [{ lineId: string }];
    await eventually(async () => (await parkedFor(sfn, executionArn(lineId))) === "stock");
    await settled();
    expect(await statusOf(orphan.line.lineId)).toBe("ExecutionDoesNotExist");

    // Past the grace period the scheduled reconciler runs, and its sweep finds the orphan.
    await advanceClock(6 * 60);
    await settled();
    expect(await statusOf(orphan.line.lineId)).toBe("RUNNING");
    expect(await parkedFor(sfn, executionArn(orphan.line.lineId))).toBe("stock");
    // Started as intake starts a backordered line: its first step sends the email.
    expect((await emailsTo(orphan.email)).map((e) => e.subject)).toHaveLength(1);
    expect((await store.getLine(orphan.order.orderId, orphan.line.lineId))?.executionName).toBe(
      undefined,
    );

    // The line that was running is untouched.
    expect(await statusOf(lineId)).toBe("RUNNING");
    expect(await statusOf(`${lineId}-r1`)).toBe("ExecutionDoesNotExist");
    expect((await store.getLine(orderId, lineId))?.executionName).toBeUndefined();
  });

  it("finishes a receipt whose call died after recording it, when the warehouse never sends it again", async () => {
    const sku = newSku();
    await putSku(sku, { name: "W", onHand: 0, backorder: { allowed: true } });
    const placed = await postOrder(orderBody([{ lineRef: "1", sku, qty: 1 }]));
    expect(placed.status, placed.text).toBe(201);
    const orderId = String(placed.json.orderId);
    const [{ lineId }] = placed.json.lines as [{ lineId: string }];
    await eventually(async () => (await parkedFor(sfn, executionArn(lineId))) === "stock");

    // post-receipt dies right after recording the receipt, before any unit reaches stock.
    const crash = {
      crash: { after: ["TransactWriteItems"], functions: ["post-receipt"], count: 1 },
    };
    const set = await api("/_local/faults", { method: "PUT", body: crash });
    expect(set.status, set.text).toBe(200);
    const receiptId = `RCV-${randomUUID()}`;
    const receipt = { receiptId, lines: [{ sku, qty: 1 }] };
    const sent = await api("/v1/receipts", { method: "POST", key: keys.warehouse, body: receipt });
    await api("/_local/faults", { method: "DELETE" });
    expect(sent.status, sent.text).toBeGreaterThanOrEqual(500);
    const recorded = await api(`/v1/receipts/${receiptId}`, { key: keys.warehouse });
    expect(recorded.json.status).toBe("processing");
    expect((await store.getLine(orderId, lineId))?.status).toBe("backordered");

    // The warehouse gives up. Past the grace period the scheduled reconciler hands the
    // receipt to a bulk job, which puts its unit in stock and gives it to the waiting line.
    await advanceClock(6 * 60);
    await settled();
    const finished = await api(`/v1/receipts/${receiptId}`, { key: keys.warehouse });
    expect(finished.json.status).toBe("done");
    expect(finished.json.allocations).toEqual([{ lineId, orderId, sku, qty: 1 }]);
    expect((await store.getLine(orderId, lineId))?.status).not.toBe("backordered");
    const stock = await api(`/v1/skus/${sku}`, { key: keys.storefront });
    expect(stock.json).toMatchObject({ onHand: 1, allocated: 1 });

    // Sent again after all, it answers what was done, and gives nothing twice.
    const again = await api("/v1/receipts", { method: "POST", key: keys.warehouse, body: receipt });
    expect(again.status, again.text).toBe(200);
    expect(again.json.allocations).toEqual([{ lineId, orderId, sku, qty: 1 }]);
    expect((await api(`/v1/skus/${sku}`, { key: keys.storefront })).json).toMatchObject({
      onHand: 1,
      allocated: 1,
    });
  });
});
