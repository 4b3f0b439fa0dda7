import { GetExecutionHistoryCommand } from "@aws-sdk/client-sfn";
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
import { localAdapters } from "./support-local.ts";

/**
 * Issue 11: the sandbox payment provider holds a rate as Stripe does (25 a second in test
 * mode by default; 2 here). A receipt wakes many lines at once, their charges pass the
 * rate, and each refused charge is retried by the line machine as throttling, never taken
 * for a decline: every line is charged once and goes on. The limit holds for the whole
 * stack: a stack of its own.
 */
await ownStack({
  env: { BACKORDER_LOCAL_LIMITS: JSON.stringify({ payments: { perSecond: 2 } }) },
});
const { stack, store, sfn } = localAdapters();
const LINES = 8;

describe("the sandbox payment provider's rate limit", () => {
  it("throttles charges above it; the machine retries them and each line is charged once", async () => {
    expect((await api("/_local/limits")).json.limits).toMatchObject({
      payments: { perSecond: 2, burst: 2 },
    });
    const sku = newSku();
    await putSku(sku, { name: "W", onHand: 0, backorder: { allowed: true, leadTimeDays: 14 } });
    const placed: { orderId: string; lineId: string }[] = [];
    for (let i = 0; i < LINES; i++) {
      const res = await postOrder(orderBody([{ lineRef: "1", sku, qty: 1 }]));
      expect(res.status, res.text).toBe(201);
      const [line] = res.json.lines as { lineId: string; status: string }[];
      expect(line?.status).toBe("backordered");
      placed.push({ orderId: String(res.json.orderId), lineId: String(line?.lineId) });
    }
    await settled();

    // One receipt wakes every line at once: their charges come faster than 2 a second.
    const receipt = await api("/v1/receipts", {
      method: "POST",
      key: keys.warehouse,
      body: { receiptId: `RCV-${sku}`, lines: [{ sku, qty: LINES }] },
    });
    expect(receipt.status, receipt.text).toBe(200);

    for (const { orderId, lineId } of placed) {
      await eventually(
        async () => (await store.getLine(orderId, lineId))?.status === "shipment_requested",
        { what: `line ${lineId} charged and handed to the warehouse`, timeoutMs: 60_000 },
      );
    }
    await settled();

    let throttledTasks = 0;
    for (const { orderId, lineId } of placed) {
      const line = await store.getLine(orderId, lineId);
      // Charged once, with its first attempt: a rate limit is not a decline.
      expect(line?.charge?.attempt).toBe(1);
      expect(line?.chargeAttempts).toBe(1);
      expect(line?.history.map((h) => h.status)).not.toContain("awaiting_payment");
      const notifications = await api(`/v1/orders/${orderId}/notifications`, {
        key: keys.storefront,
      });
      const kinds = (notifications.json.notifications as { kind: string }[]).map((n) => n.kind);
      expect(kinds.filter((k) => k === "charged")).toHaveLength(1);
      expect(kinds).not.toContain("payment_failed");

      const executionArn = `${stack.lineStateMachineArn.replace(":stateMachine:", ":execution:")}:${lineId}`;
      const history = await sfn.send(new GetExecutionHistoryCommand({ executionArn }));
      throttledTasks += (history.events ?? []).filter(
        (e) =>
          (e.lambdaFunctionFailedEventDetails ?? e.taskFailedEventDetails)?.error ===
          "PaymentRateLimited",
      ).length;
    }
    // The rate was met: some charges were refused and retried by the machine.
    expect(throttledTasks).toBeGreaterThanOrEqual(1);
  });
});
