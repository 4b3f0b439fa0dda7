import { randomUUID } from "node:crypto";
import { describe, expect, it } from "vitest";
import {
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
import { asnFor, emailsTo, postAsn } from "./support-local.ts";

/** Contract §3 and §6: supplier ASNs as Standard Webhooks, signed with the local secret. */
function asn(sku: string, qty: number, revision = 1, deliveryDay = "2027-01-15") {
  return {
    ...asnFor(sku, qty, deliveryDay, revision),
    poNumber: "PO-9",
    shippedAt: "2026-11-20T10:00:00Z",
    carrier: "UPS",
    trackingNumbers: ["1Z999"],
    lines: [{ sku, qty, lot: "L1" }],
  };
}

const post = postAsn;

describe("POST /v1/suppliers/{supplierId}/asns", () => {
  it("accepts a notice signed with the supplier's secret and shows it inbound on the SKU", async () => {
    const sku = newSku();
    await putSku(sku, { name: "W", onHand: 0, backorder: { allowed: true, leadTimeDays: 30 } });
    const notice = asn(sku, 50);
    const res = await post("acme", notice);
    expect(res.status, res.text).toBe(202);
    expect(res.json).toEqual({ asnId: notice.asnId, status: "accepted" });
    expect(await getSku(sku)).toMatchObject({
      inbound: [{ asnId: notice.asnId, qty: 50, estimatedDeliveryAt: notice.estimatedDeliveryAt }],
      nextEta: "2027-01-15",
    });
    // A backorder taken now is promised for the notice's date, not the lead time.
    const order = await postOrder(orderBody([{ lineRef: "1", sku, qty: 5 }]));
    expect((order.json.lines as { eta: string; promisedBy: string }[])[0]).toMatchObject({
      eta: "2027-01-15",
      promisedBy: "2027-01-15",
    });
  });

  it("refuses a bad signature or a stale timestamp (401) and another supplier's path (403), storing nothing", async () => {
    const sku = newSku();
    await putSku(sku, { name: "W", onHand: 0, backorder: { allowed: true } });
    const notice = asn(sku, 10);
    expect((await post("acme", notice, { secret: "whsec_d3Jvbmc=" })).status).toBe(401);
    const stale = Math.floor(Date.now() / 1000) - 600;
    const late = await post("acme", notice, { timestamp: stale });
    expect(late.status).toBe(401);
    expect(String(late.json.detail)).toMatch(/5 minutes/);
    expect((await post("globex", notice)).status).toBe(403);
    const unsigned = await api("/v1/suppliers/acme/asns", { method: "POST", body: notice });
    expect(unsigned.status).toBe(401);
    expect((await getSku(sku)).inbound).toEqual([]);
  });

  it("answers a redelivery the same and changes nothing; a higher revision replaces the notice", async () => {
    const sku = newSku();
    await putSku(sku, { name: "W", onHand: 0, backorder: { allowed: true } });
    const first = asn(sku, 10, 1);
    const id = `msg_${randomUUID()}`;
    expect((await post("acme", first, { id })).status).toBe(202);
    // Same webhook-id and notice: the first answer again.
    const again = await post("acme", first, { id });
    expect(again.status).toBe(202);
    expect(again.json).toEqual({ asnId: first.asnId, status: "accepted" });
    // Same webhook-id, another notice: refused, not answered as if taken.
    const other = await post("acme", { ...first, revision: 2, lines: [{ sku, qty: 99 }] }, { id });
    expect(other.status, other.text).toBe(409);
    expect((await getSku(sku)).inbound).toMatchObject([{ qty: 10 }]);

    const revised = {
      ...first,
      revision: 2,
      estimatedDeliveryAt: "2027-02-01T00:00:00Z",
      lines: [{ sku, qty: 30 }],
    };
    expect((await post("acme", revised)).status).toBe(202);
    expect((await getSku(sku)).inbound).toEqual([
      { asnId: first.asnId, qty: 30, estimatedDeliveryAt: "2027-02-01T00:00:00Z" },
    ]);
    // An older revision arriving late changes nothing.
    expect((await post("acme", first)).status).toBe(202);
    expect((await getSku(sku)).inbound).toMatchObject([{ qty: 30 }]);
  });

  it("a receipt against the notice takes what arrived off the inbound", async () => {
    const sku = newSku();
    await putSku(sku, { name: "W", onHand: 0, backorder: { allowed: true } });
    const notice = asn(sku, 50);
    expect((await post("acme", notice)).status).toBe(202);
    const received = await api("/v1/receipts", {
      method: "POST",
      key: keys.warehouse,
      // The same SKU twice in one receipt (two pallets): added up, one update.
      body: {
        receiptId: `RCV-${randomUUID()}`,
        asnId: notice.asnId,
        lines: [
          { sku, qty: 12 },
          { sku, qty: 8 },
        ],
      },
    });
    expect(received.status, received.text).toBe(200);
    expect(await getSku(sku)).toMatchObject({
      onHand: 20,
      inbound: [{ asnId: notice.asnId, qty: 30 }],
    });
  });

  it("validates the notice after the signature: a signed but malformed notice is a 400", async () => {
    const res = await post("acme", { asnId: "ASN-X", revision: 0, lines: [] });
    expect(res.status).toBe(400);
  });
});

describe("ETAs of waiting lines", () => {
  it("two notices for a SKU with 10 waiting lines date them in queue order and quantities, emailing once", async () => {
    const sku = newSku();
    await putSku(sku, { name: "W", onHand: 0, backorder: { allowed: true, leadTimeDays: 60 } });
    const orders: { orderId: string; lineId: string; email: string }[] = [];
    for (let i = 0; i < 10; i++) {
      const body = orderBody([{ lineRef: "1", sku, qty: 2 }]);
      const res = await postOrder(body);
      expect(res.status).toBe(201);
      const lineId = (res.json.lines as { lineId: string }[])[0]?.lineId as string;
      orders.push({ orderId: String(res.json.orderId), lineId, email: body.customer.email });
    }
    const later = asn(sku, 8, 1, "2027-01-20");
    const sooner = asn(sku, 6, 1, "2027-01-10");
    const id = `msg_${randomUUID()}`;
    expect((await post("acme", later)).status).toBe(202);
    expect((await post("acme", sooner, { id })).status).toBe(202);

    const etas = async () =>
      Promise.all(
        orders.map(async (o) => {
          const res = await api(`/v1/orders/${o.orderId}`, { key: keys.storefront });
          return (res.json.lines as { eta: string | null }[])[0]?.eta ?? null;
        }),
      );
    // 6 units on the 10th cover 3 lines; 8 on the 20th the next 4; 3 lines wait uncovered.
    expect(await etas()).toEqual([
      "2027-01-10",
      "2027-01-10",
      "2027-01-10",
      "2027-01-20",
      "2027-01-20",
      "2027-01-20",
      "2027-01-20",
      null,
      null,
      null,
    ]);
    const first = orders[0] as { email: string };
    const updates = await eventually(async () => {
      const list = (await emailsTo(first.email)).filter((e) => e.subject.includes("delivery date"));
      return list.length > 0 ? list : undefined;
    });
    // The first line got a date from the later notice, then a sooner one: two emails, one per date.
    expect(updates.map((e) => e.body.text?.includes("2027-01-10") ?? false)).toContain(true);
    await settled();
    const before = (await emailsTo(first.email)).length;
    expect((await post("acme", sooner, { id })).status).toBe(202); // a redelivery
    await settled();
    expect((await emailsTo(first.email)).length).toBe(before);
    const uncovered = orders[9] as { email: string };
    expect(
      (await emailsTo(uncovered.email)).filter((e) => e.subject.includes("delivery date")),
    ).toEqual([]);
  });
});
