import { randomUUID } from "node:crypto";
import { ListExecutionsCommand } from "@aws-sdk/client-sfn";
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
import { emailsTo, localAdapters } from "./support-local.ts";

/**
 * Issue 11: a big day at low limits. The local stack's limits are set low (Stripe 10/s, SES
 * 5/s, SendTaskSuccess 20/s, a 5 s gateway cut) and the engine's rates to match: one
 * receipt for 300 waiting lines answers 202, its GET reports progress to done, every line
 * is charged once and handed to the warehouse, each email goes once, no execution fails,
 * and the storefront's orders are answered meanwhile.
 */
const LIMITS = {
  gatewayTimeoutMs: 5_000,
  ses: { perSecond: 5 },
  payments: { perSecond: 10 },
  sfn: { SendTaskSuccess: { bucket: 20, perSecond: 20 } },
};
await ownStack({
  env: {
    BACKORDER_LOCAL_LIMITS: JSON.stringify(LIMITS),
    BACKORDER_RATE_PAYMENTS: "10",
    BACKORDER_RATE_EMAILS: "5",
    BACKORDER_RATE_WAKES: "20",
    BACKORDER_INLINE_WORK_SECONDS: "0",
  },
});
const { stack, store, sfn } = localAdapters();
const ORDERS = 100;
const LINES_PER_ORDER = 3;

interface Placed {
  orderId: string;
  email: string;
  lineIds: string[];
}

describe("a big day at low limits", () => {
  it("one receipt for 300 waiting lines: each charged once, each email once, orders answered meanwhile", async () => {
    const skus = Array.from({ length: LINES_PER_ORDER }, () => newSku("BIG"));
    for (const sku of skus)
      await putSku(sku, { name: "W", onHand: 0, backorder: { allowed: true } });
    const placed: Placed[] = [];
    for (let i = 0; i < ORDERS; i++) {
      const body = orderBody(skus.map((sku, n) => ({ lineRef: String(n + 1), sku, qty: 1 })));
      const res = await postOrder(body);
      expect(res.status, res.text).toBe(201);
      const lines = res.json.lines as { lineId: string }[];
      placed.push({
        orderId: String(res.json.orderId),
        email: body.customer.email,
        lineIds: lines.map((l) => l.lineId),
      });
    }

    // One receipt brings every unit: too much for the call, it goes on in a bulk job.
    const receiptId = `RCV-${randomUUID()}`;
    const res = await api("/v1/receipts", {
      method: "POST",
      key: keys.warehouse,
      body: { receiptId, lines: skus.map((sku) => ({ sku, qty: ORDERS })) },
    });
    expect(res.status, res.text).toBe(202);
    const location = res.headers.get("location") as string;

    // Meanwhile the storefront's orders are answered (none is cut at the gateway's 5 s).
    const other = newSku("OTHER");
    await putSku(other, { name: "O", onHand: 100, backorder: { allowed: false } });
    for (let i = 0; i < 10; i++) {
      const order = await postOrder(orderBody([{ lineRef: "1", sku: other, qty: 1 }]));
      expect(order.status, order.text).toBe(201);
    }

    // The receipt's GET reports its progress, then done with all 300 fills.
    const statuses = new Set<string>();
    await eventually(
      async () => {
        const page = await api(location, { key: keys.warehouse });
        statuses.add(String(page.json.status));
        return page.json.status === "done";
      },
      { what: "the receipt to be done", timeoutMs: 120_000, intervalMs: 250 },
    );
    // Each answer was a progress report (processing) or the end (done), nothing else.
    expect([...statuses].every((st) => st === "processing" || st === "done")).toBe(true);
    let fills = 0;
    let cursor: string | null = null;
    do {
      const query: string = cursor
        ? `?limit=1000&cursor=${encodeURIComponent(cursor)}`
        : "?limit=1000";
      const page = await api(`${location}${query}`, { key: keys.warehouse });
      fills += (page.json.allocations as unknown[]).length;
      cursor = page.json.nextCursor as string | null;
    } while (cursor);
    expect(fills).toBe(ORDERS * LINES_PER_ORDER);

    // Every line is charged and handed to the warehouse, each charge and email in its turn at
    // the rates (nothing moves the clock: the drain is the rates' own pace).
    const lineIds = placed.flatMap((p) =>
      p.lineIds.map((lineId) => ({ orderId: p.orderId, lineId })),
    );
    await eventually(
      async () => {
        const lines = await Promise.all(lineIds.map((l) => store.getLine(l.orderId, l.lineId)));
        return lines.every((l) => l?.status === "shipment_requested");
      },
      { what: "every line charged and requested", timeoutMs: 300_000, intervalMs: 2_000 },
    );
    await eventually(
      async () => {
        const counts = await Promise.all(placed.map(async (p) => (await emailsTo(p.email)).length));
        return counts.every((n) => n >= 1 + LINES_PER_ORDER);
      },
      { what: "every email to have gone", timeoutMs: 300_000, intervalMs: 2_000 },
    );
    await settled();

    for (const p of placed) {
      const sent = await emailsTo(p.email);
      const subjects = sent.map((e) => e.subject);
      // One backordered email for the order, one charged email a line, nothing twice.
      expect(
        subjects.filter((s) => /backorder/i.test(s)),
        p.orderId,
      ).toHaveLength(1);
      expect(sent).toHaveLength(1 + LINES_PER_ORDER);
      for (const lineId of p.lineIds) {
        const line = await store.getLine(p.orderId, lineId);
        expect(line?.charge?.attempt).toBe(1);
        expect(line?.chargeAttempts).toBe(1);
      }
    }
    const failed = await sfn.send(
      new ListExecutionsCommand({
        stateMachineArn: stack.lineStateMachineArn,
        statusFilter: "FAILED",
      }),
    );
    expect(failed.executions ?? []).toEqual([]);
  }, 600_000);
});
