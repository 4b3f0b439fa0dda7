import { randomUUID } from "node:crypto";
import { describe, expect, it } from "vitest";
import { signWebhook } from "../../../shared/links/standard-webhooks.ts";
import { api, getSku, newSku, orderBody, postOrder, putSku } from "../support.ts";

/** Contract §3 and §6: supplier ASNs as Standard Webhooks, signed with the local secret. */
const ACME = "whsec_bG9jYWwtYWNtZS1zdXBwbGllci1zZWNyZXQtMDAwMQ==";

function asn(sku: string, qty: number, revision = 1, deliveryDay = "2027-01-15") {
  return {
    asnId: `ASN-${randomUUID().slice(0, 8)}`,
    revision,
    poNumber: "PO-9",
    shippedAt: "2026-11-20T10:00:00Z",
    estimatedDeliveryAt: `${deliveryDay}T00:00:00Z`,
    carrier: "UPS",
    trackingNumbers: ["1Z999"],
    lines: [{ sku, qty, lot: "L1" }],
  };
}

function post(
  supplierId: string,
  body: unknown,
  options: { id?: string; timestamp?: number; secret?: string } = {},
) {
  const raw = JSON.stringify(body);
  const id = options.id ?? `msg_${randomUUID()}`;
  const timestamp = options.timestamp ?? Math.floor(Date.now() / 1000);
  return api(`/v1/suppliers/${supplierId}/asns`, {
    method: "POST",
    rawBody: raw,
    headers: {
      "content-type": "application/json",
      "webhook-id": id,
      "webhook-timestamp": String(timestamp),
      "webhook-signature": signWebhook(options.secret ?? ACME, id, timestamp, raw),
    },
  });
}

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
    // Same webhook-id: the first answer again, even with another body.
    const again = await post("acme", { ...first, revision: 2, lines: [{ sku, qty: 99 }] }, { id });
    expect(again.status).toBe(202);
    expect(again.json).toEqual({ asnId: first.asnId, status: "accepted" });
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

  it("validates the notice after the signature: a signed but malformed notice is a 400", async () => {
    const res = await post("acme", { asnId: "ASN-X", revision: 0, lines: [] });
    expect(res.status).toBe(400);
  });
});
