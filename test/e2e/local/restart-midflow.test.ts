import { randomUUID } from "node:crypto";
import { rmSync } from "node:fs";
import { SFNClient } from "@aws-sdk/client-sfn";
import { afterAll, describe, expect, it } from "vitest";
import { TestTable } from "../../support/table.ts";
import { type RunningStack, startStackProcess } from "../stack-process.ts";
import { eventually, keys, orderBody } from "../support.ts";
import { parkedFor } from "./support-local.ts";

/**
 * Stopping the local stack mid-flow and starting it again: the stop aborts every execution,
 * their "execution stopped" events are delivered once the stack is up again and restart
 * every line, each enters the machine at its persisted status, and nothing is charged,
 * emailed or shipped a second time.
 */
const started: RunningStack[] = [];
afterAll(async () => {
  for (const stack of started) await stack.stop();
  if (started[0]) rmSync(started[0].dataDir, { recursive: true, force: true });
});

function client(stack: RunningStack) {
  const base = stack.manifest.urls.api;
  return async (path: string, method = "GET", body?: unknown, key = keys.storefront) => {
    const headers: Record<string, string> = { authorization: `Bearer ${key}` };
    if (path === "/v1/orders") headers["idempotency-key"] = randomUUID();
    const res = await fetch(`${base}${path}`, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    return { status: res.status, json: (text ? JSON.parse(text) : {}) as Record<string, unknown> };
  };
}

async function emailsTo(stack: RunningStack, address: string): Promise<{ subject: string }[]> {
  const res = await fetch(`${stack.manifest.urls.ses}/store`);
  const store = (await res.json()) as {
    emails: { subject: string; destination: { to: string[] } }[];
  };
  return store.emails.filter((e) => e.destination.to.includes(address));
}

describe("a stack stopped mid-flow", () => {
  // Two stack starts, beside other files' stacks: more time than the suite's 60 s per test.
  it("resumes every line after a restart with no second charge, email or shipment", async () => {
    const first = await startStackProcess({ fresh: true });
    started.push(first);
    process.env.AWS_REGION = "us-east-1";
    process.env.AWS_ACCESS_KEY_ID = "local";
    process.env.AWS_SECRET_ACCESS_KEY = "local";
    process.env.AWS_ENDPOINT_URL_DYNAMODB = first.manifest.urls.dynamodb;
    const store = new TestTable(first.manifest.tableName);
    const sfn = new SFNClient({
      endpoint: first.manifest.urls.sfn,
      region: "us-east-1",
      credentials: { accessKeyId: "local", secretAccessKey: "local" },
    });
    /** What the execution is parked for ("stock", "shipped", …), or null. */
    const lastState = (executionName: string) =>
      parkedFor(
        sfn,
        `${first.manifest.lineStateMachineArn.replace(":stateMachine:", ":execution:")}:${executionName}`,
      );
    let api = client(first);

    await api("/v1/skus/W", "PUT", { name: "W", onHand: 1, backorder: { allowed: true } });
    await api("/v1/skus/V", "PUT", { name: "V", onHand: 1 });
    const place = async (sku: string, qty: number, paymentMethodRef = "pm_card_visa") => {
      const body = orderBody([{ lineRef: "1", sku, qty }], {
        payment: { provider: "sandbox", customerRef: "cus_1", paymentMethodRef },
      });
      const res = await api("/v1/orders", "POST", body);
      expect(res.status).toBe(201);
      const line = (res.json.lines as { lineId: string }[])[0] as { lineId: string };
      return { orderId: String(res.json.orderId), lineId: line.lineId, email: body.customer.email };
    };
    const shipping = await place("W", 1);
    const waiting = await place("W", 2);
    const unpaid = await place("V", 1, "pm_card_chargeDeclined");
    const parked = {
      [shipping.lineId]: "shipped",
      [waiting.lineId]: "stock",
      [unpaid.lineId]: "payment",
    };
    for (const [lineId, state] of Object.entries(parked)) {
      await eventually(async () => (await lastState(lineId)) === state, {
        what: `${lineId} to park in ${state}`,
      });
    }
    const emailsBefore = (
      await Promise.all([shipping, waiting, unpaid].map((o) => emailsTo(first, o.email)))
    ).map((list) => list.length);
    expect(emailsBefore).toEqual([1, 1, 1]); // charged, backordered, payment_failed

    expect(await first.stop()).toBe(0);
    const second = await startStackProcess({ ports: first.ports, dataDir: first.dataDir });
    started.push(second);
    api = client(second);

    // The stops were announced at start-up: each line runs on a new execution, parked again.
    for (const [lineId, state] of Object.entries(parked)) {
      await eventually(
        async () => {
          const order = [shipping, waiting, unpaid].find((o) => o.lineId === lineId);
          const line = await store.getLine(order?.orderId as string, lineId);
          return (
            line?.executionName === `${lineId}-r1` && (await lastState(`${lineId}-r1`)) === state
          );
        },
        { what: `${lineId} to be restarted and park in ${state}`, timeoutMs: 30_000 },
      );
    }
    // Nothing was sent, charged or shipped again.
    for (const o of [shipping, waiting, unpaid])
      expect(await emailsTo(second, o.email)).toEqual([]);
    expect((await store.getLine(shipping.orderId, shipping.lineId))?.charge?.attempt).toBe(1);
    expect((await store.getLine(unpaid.orderId, unpaid.lineId))?.chargeAttempts).toBe(1);
    const requested = await api("/v1/shipments?status=requested", "GET", undefined, keys.warehouse);
    const shipments = (
      requested.json.shipments as { shipmentId: string; orderId: string }[]
    ).filter((s) => s.orderId === shipping.orderId);
    expect(shipments).toHaveLength(1);

    // And the flows go on from where they were.
    const shipmentId = shipments[0]?.shipmentId as string;
    const warehouse = (path: string, body?: unknown) => api(path, "POST", body, keys.warehouse);
    expect(
      (
        await warehouse(`/v1/shipments/${shipmentId}/shipped`, {
          carrier: "UPS",
          trackingNumber: "1Z1",
        })
      ).status,
    ).toBe(200);
    expect((await warehouse(`/v1/shipments/${shipmentId}/delivered`)).status).toBe(200);
    expect(
      (
        await warehouse("/v1/receipts", {
          receiptId: `RCV-${randomUUID()}`,
          lines: [{ sku: "W", qty: 2 }],
        })
      ).status,
    ).toBe(200);
    await eventually(
      async () =>
        (await store.getLine(shipping.orderId, shipping.lineId))?.status === "delivered" &&
        (await store.getLine(waiting.orderId, waiting.lineId))?.status === "shipment_requested",
      { what: "the flows to go on after the restart" },
    );
    const kinds = async (orderId: string) =>
      (await store.listNotifications(orderId)).map((n) => n.kind);
    await eventually(async () => (await kinds(shipping.orderId)).includes("delivered"));
    // The charged email follows the shipment request (the parcel never waits for it).
    await eventually(async () => (await kinds(waiting.orderId)).includes("charged"));
    expect(await kinds(shipping.orderId)).toEqual(["charged", "shipped", "delivered"]);
    expect(await kinds(waiting.orderId)).toEqual(["backordered", "charged"]);
    expect(await kinds(unpaid.orderId)).toEqual(["payment_failed"]);
    sfn.destroy();
  }, 180_000);
});
