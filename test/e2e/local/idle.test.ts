import { describe, expect, it } from "vitest";
import { api, newSku, orderBody, postOrder, putSku } from "../support.ts";
import { localAdapters, parkedFor } from "./support-local.ts";

/** GET /_local/idle, which tests call before asserting that nothing more happened. */
const { stack, sfn } = localAdapters();

const executionArn = (lineId: string) =>
  `${stack.lineStateMachineArn.replace(":stateMachine:", ":execution:")}:${lineId}`;

describe("GET /_local/idle", () => {
  it("answers once a new order's executions have run to where they park", async () => {
    const sku = newSku();
    await putSku(sku, { name: "W", onHand: 0, backorder: { allowed: true } });
    const res = await postOrder(orderBody([{ lineRef: "1", sku, qty: 1 }]));
    expect(res.status).toBe(201);
    const [line] = res.json.lines as { lineId: string }[];

    const idle = await api("/_local/idle");
    expect(idle.status, idle.text).toBe(200);
    expect(idle.json).toMatchObject({ idle: true, activity: { lambdasInFlight: 0 } });
    // No polling: the line is parked waiting for stock already.
    expect(await parkedFor(sfn, executionArn(line?.lineId as string))).toBe("stock");
  });

  it("refuses a timeout out of range or another method", async () => {
    expect((await api("/_local/idle?timeoutMs=-1")).status).toBe(400);
    expect((await api("/_local/idle?timeoutMs=soon")).status).toBe(400);
    expect((await api("/_local/idle", { method: "POST" })).status).toBe(405);
  });
});
