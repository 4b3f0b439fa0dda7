import { randomUUID } from "node:crypto";
import { describe, expect, it } from "vitest";
import {
  allPages,
  api,
  eventually,
  getSku,
  keys,
  newSku,
  orderBody,
  postOrder,
  putSku,
  settled,
} from "../support.ts";
import { asnFor, postAsn } from "./support-local.ts";

/**
 * DynamoDB's item limits met by ordinary requests (each found by a hostile probe): a key
 * built from what grows (a list of lines, a header), and a transaction of more than 100
 * items. DynamoDB Local refuses both as AWS does.
 */

interface OrderLine {
  lineId: string;
  sku: string;
  qty: number;
  status: string;
  eta: string | null;
}

const order = async (orderId: string) =>
  (await api(`/v1/orders/${orderId}`, { key: keys.storefront })).json as {
    lines: OrderLine[];
  };

describe("an order with many waiting lines of one SKU", () => {
  it("gets one eta_updated email for all of them, and receipts for the SKU finish", async () => {
    const sku = newSku("MANY");
    await putSku(sku, { name: "Many", onHand: 0, backorder: { allowed: true, leadTimeDays: 60 } });
    // 30 lines of one SKU: their ids and dates alone make a key longer than 1,024 bytes.
    const lines = Array.from({ length: 30 }, (_, i) => ({ lineRef: `${i + 1}`, sku, qty: 1 }));
    const created = await postOrder(orderBody(lines));
    expect(created.status, created.text).toBe(201);
    const orderId = String(created.json.orderId);

    const notice = asnFor(sku, 30, "2027-01-15");
    const accepted = await postAsn("acme", notice);
    expect(accepted.status, accepted.text).toBe(202);
    expect((await order(orderId)).lines.map((l) => l.eta)).toEqual(lines.map(() => "2027-01-15"));
    const notes = await eventually(async () => {
      const list = await allPages<{ kind: string; lineIds: string[] }>(
        `/v1/orders/${orderId}/notifications`,
        "notifications",
        keys.storefront,
      );
      return list.some((n) => n.kind === "eta_updated") ? list : undefined;
    });
    const etaEmails = notes.filter((n) => n.kind === "eta_updated");
    expect(etaEmails).toHaveLength(1);
    expect(etaEmails[0]?.lineIds).toHaveLength(30);

    // A receipt for the SKU re-dates what still waits and finishes.
    const receiptId = `RCV-${randomUUID()}`;
    const receipt = await api("/v1/receipts", {
      method: "POST",
      key: keys.warehouse,
      body: { receiptId, asnId: notice.asnId, lines: [{ sku, qty: 10 }] },
    });
    expect(receipt.status, receipt.text).toBe(200);
    expect(receipt.json.status).toBe("done");
    expect(receipt.json.allocations).toHaveLength(10);
    await settled();
    expect(await getSku(sku)).toMatchObject({ backorderedQty: 20 });
  });
});

describe("a supplier's webhook-id", () => {
  it("is taken up to 255 characters (a redelivery replays), and a longer one is a clear 400", async () => {
    const sku = newSku("HOOK");
    await putSku(sku, { name: "Hook", onHand: 0, backorder: { allowed: true } });
    const notice = asnFor(sku, 5, "2027-01-15");
    const id = `msg_${"x".repeat(251)}`;
    const first = await postAsn("acme", notice, { id });
    expect(first.status, first.text).toBe(202);
    const again = await postAsn("acme", { ...notice, revision: 2 }, { id });
    expect(again.json).toEqual(first.json);
    expect((await getSku(sku)).inbound).toMatchObject([{ qty: 5 }]);

    const long = await postAsn("acme", asnFor(sku, 7, "2027-01-15"), { id: "y".repeat(2100) });
    expect(long.status, long.text).toBe(400);
    expect(long.headers.get("content-type")).toMatch(/^application\/problem\+json/);
    expect(String(long.json.detail)).toMatch(/webhook-id/);
    expect((await getSku(sku)).inbound).toMatchObject([{ qty: 5 }]);
  });
});
