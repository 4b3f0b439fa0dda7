import { randomUUID } from "node:crypto";
import { describe, expect, it } from "vitest";
import { ownStack } from "../own-stack.ts";
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
} from "../support.ts";
import { asnFor, postAsn } from "./support-local.ts";

// 104 parts of one order keep a stack busy for a while: a stack of this file's own, so the
// shared one stays quick to settle for everyone else.
await ownStack();

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
    expect(await getSku(sku)).toMatchObject({ backorderedQty: 20 });
  }, 120_000);
});

describe("a supplier's webhook-id", () => {
  it("is taken up to 255 characters (a redelivery replays), and a longer one is a clear 400", async () => {
    const sku = newSku("HOOK");
    await putSku(sku, { name: "Hook", onHand: 0, backorder: { allowed: true } });
    const notice = asnFor(sku, 5, "2027-01-15");
    const id = `msg_${"x".repeat(251)}`;
    const first = await postAsn("acme", notice, { id });
    expect(first.status, first.text).toBe(202);
    const again = await postAsn("acme", notice, { id });
    expect(again.json).toEqual(first.json);
    expect((await getSku(sku)).inbound).toMatchObject([{ qty: 5 }]);

    const long = await postAsn("acme", asnFor(sku, 7, "2027-01-15"), { id: "y".repeat(2100) });
    expect(long.status, long.text).toBe(400);
    expect(long.headers.get("content-type")).toMatch(/^application\/problem\+json/);
    expect(String(long.json.detail)).toMatch(/webhook-id/);
    expect((await getSku(sku)).inbound).toMatchObject([{ qty: 5 }]);
  });
});

describe("a notice of many SKUs", () => {
  it("of 100 SKUs is accepted, and a revision swapping 60 of them moves their inbound", async () => {
    const prefix = newSku("ASN100");
    const first = Array.from({ length: 100 }, (_, i) => `${prefix}-${i}`);
    const added = Array.from({ length: 60 }, (_, i) => `${prefix}-N${i}`);
    // Three of them in the catalog, to be looked at: one dropped, one kept, one added.
    const [dropped, kept, fresh] = [first[0], first[99], added[0]] as [string, string, string];
    for (const sku of [dropped, kept, fresh]) {
      await putSku(sku, { name: sku, onHand: 0, backorder: { allowed: true } });
    }
    const base = asnFor(dropped, 1, "2027-01-15");
    const notice = { ...base, lines: first.map((sku) => ({ sku, qty: 4 })) };
    const accepted = await postAsn("acme", notice);
    expect(accepted.status, accepted.text).toBe(202);
    expect((await getSku(dropped)).inbound).toMatchObject([{ asnId: base.asnId, qty: 4 }]);

    const revised = {
      ...notice,
      revision: 2,
      estimatedDeliveryAt: "2027-02-01T00:00:00Z",
      lines: [...first.slice(60), ...added].map((sku) => ({ sku, qty: 6 })),
    };
    const again = await postAsn("acme", revised);
    expect(again.status, again.text).toBe(202);
    expect((await getSku(dropped)).inbound).toEqual([]);
    for (const sku of [kept, fresh]) {
      expect((await getSku(sku)).inbound).toMatchObject([
        { asnId: base.asnId, qty: 6, estimatedDeliveryAt: "2027-02-01T00:00:00Z" },
      ]);
    }
  });
});

describe("a ship_complete order whose one shipment gathers 104 split parts", () => {
  it("is charged part by part, requested, shipped and delivered whole", async () => {
    const skus = Array.from({ length: 26 }, () => newSku("PART"));
    for (const sku of skus) {
      await putSku(sku, { name: sku, onHand: 0, backorder: { allowed: true, leadTimeDays: 30 } });
    }
    const body = orderBody(
      skus.map((sku, i) => ({ lineRef: `${i + 1}`, sku, qty: 4 })),
      { splitPolicy: "ship_complete" },
    );
    const created = await postOrder(body);
    expect(created.status, created.text).toBe(201);
    const orderId = String(created.json.orderId);

    // Four receipts of one unit of each SKU: each splits every line, the last fills the
    // remainders whole: 104 parts, one shipment.
    for (let r = 0; r < 4; r++) {
      const res = await api("/v1/receipts", {
        method: "POST",
        key: keys.warehouse,
        body: { receiptId: `RCV-${randomUUID()}`, lines: skus.map((sku) => ({ sku, qty: 1 })) },
      });
      // Done within the call, or handed to a bulk job (contract §6): either way it goes on.
      expect([200, 202], res.text).toContain(res.status);
    }
    const requested = await eventually(
      async () => {
        const { lines } = await order(orderId);
        return lines.length === 104 && lines.every((l) => l.status === "shipment_requested")
          ? lines
          : undefined;
      },
      { what: "104 parts requested", timeoutMs: 180_000, intervalMs: 1_000 },
    );
    const shipments = (
      await allPages<{ shipmentId: string; orderId: string; lines: { lineId: string }[] }>(
        "/v1/shipments?status=requested",
        "shipments",
        keys.warehouse,
      )
    ).filter((s) => s.orderId === orderId);
    expect(shipments).toHaveLength(1);
    const [shipment] = shipments as [(typeof shipments)[number]];
    expect(shipment.lines.map((l) => l.lineId).sort()).toEqual(
      requested.map((l) => l.lineId).sort(),
    );

    const path = `/v1/shipments/${shipment.shipmentId}`;
    const shipped = await api(`${path}/shipped`, {
      method: "POST",
      key: keys.warehouse,
      body: { carrier: "UPS", trackingNumber: "1Z-PARTS" },
    });
    expect(shipped.status, shipped.text).toBe(200);
    expect((await order(orderId)).lines.every((l) => l.status === "shipped")).toBe(true);
    for (const sku of skus) {
      expect(await getSku(sku)).toMatchObject({ onHand: 0, allocated: 0, backorderedQty: 0 });
    }
    // The parcel is on its way a while before it arrives: its shipped email goes out first
    // (from the part that leads the shipment, once its step has run; a wake-up the rate
    // left to the deliverer runs within its minute). A parcel delivered before that step
    // runs gets only the delivered email.
    await eventually(
      async () =>
        (
          await allPages<{ kind: string }>(
            `/v1/orders/${orderId}/notifications`,
            "notifications",
            keys.storefront,
          )
        ).some((n) => n.kind === "shipped"),
      { what: "the shipped email", timeoutMs: 90_000, intervalMs: 1_000 },
    );
    const delivered = await api(`${path}/delivered`, { method: "POST", key: keys.warehouse });
    expect(delivered.status, delivered.text).toBe(200);
    expect((await order(orderId)).lines.every((l) => l.status === "delivered")).toBe(true);

    // Each part's charged email, and the shipment's shipped and delivered emails, once.
    const kinds = await eventually(
      async () => {
        const list = (
          await allPages<{ kind: string }>(
            `/v1/orders/${orderId}/notifications`,
            "notifications",
            keys.storefront,
          )
        ).map((n) => n.kind);
        // A part whose parcel left before its charged email's turn sends it after.
        const charged = list.filter((k) => k === "charged").length;
        return list.includes("delivered") && charged >= 104 ? list : undefined;
      },
      { what: "the delivered email and every part's charged email", timeoutMs: 60_000 },
    );
    expect(kinds.filter((k) => k === "charged")).toHaveLength(104);
    expect(kinds.filter((k) => k === "shipped")).toHaveLength(1);
    expect(kinds.filter((k) => k === "delivered")).toHaveLength(1);
  }, 300_000);
});

describe("a receipt naming 100 SKUs", () => {
  it("takes a receipt naming 100 SKUs (with the receipt, more than one transaction holds)", async () => {
    const skus = Array.from({ length: 100 }, () => newSku());
    for (const sku of skus)
      await putSku(sku, { name: "W", onHand: 1, backorder: { allowed: true } });
    const receiptId = `RCV-${randomUUID()}`;
    const res = await api("/v1/receipts", {
      method: "POST",
      key: keys.warehouse,
      body: { receiptId, lines: skus.map((sku) => ({ sku, qty: 2 })) },
    });
    expect([200, 202], res.text).toContain(res.status);
    await eventually(
      async () =>
        (await api(`/v1/receipts/${receiptId}`, { key: keys.warehouse })).json.status === "done",
      { what: "the receipt to be done", timeoutMs: 60_000 },
    );
    for (const sku of skus) expect((await getSku(sku)).onHand).toBe(3);
  });
});
