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

/** Contract §5–§7 and §10: a line from allocation to delivery, shipments, cancels. */

interface OrderLine {
  lineId: string;
  lineRef: string;
  sku: string;
  qty: number;
  status: string;
  shipmentId: string | null;
  trackingNumber: string | null;
}

interface ShipmentView {
  shipmentId: string;
  orderId: string;
  status: string;
  lines: { lineId: string; sku: string; qty: number }[];
  shippingAddress: Record<string, string>;
}

async function order(orderId: string) {
  const res = await api(`/v1/orders/${orderId}`, { key: keys.storefront });
  expect(res.status, res.text).toBe(200);
  return res.json as { status: string; lines: OrderLine[] };
}

async function lineStatus(orderId: string, lineId: string) {
  return (await order(orderId)).lines.find((l) => l.lineId === lineId)?.status;
}

const waitForStatus = (orderId: string, lineId: string, status: string) =>
  eventually(async () => (await lineStatus(orderId, lineId)) === status, {
    what: `line ${lineId} to be ${status}`,
  });

/** Every requested shipment, all pages (other tests' shipments are listed too). */
const requestedShipments = () =>
  allPages<ShipmentView>("/v1/shipments?status=requested", "shipments", keys.warehouse);

async function requestedShipmentOf(orderId: string): Promise<ShipmentView> {
  return eventually(async () => (await requestedShipments()).find((s) => s.orderId === orderId), {
    what: `a requested shipment of ${orderId}`,
  });
}

async function kinds(orderId: string): Promise<string[]> {
  const res = await api(`/v1/orders/${orderId}/notifications`, { key: keys.storefront });
  return (res.json.notifications as { kind: string }[]).map((n) => n.kind);
}

const receive = (sku: string, qty: number) =>
  api("/v1/receipts", {
    method: "POST",
    key: keys.warehouse,
    body: { receiptId: `RCV-${randomUUID()}`, lines: [{ sku, qty }] },
  });

const cancel = (orderId: string, lineId: string) =>
  api(`/v1/orders/${orderId}/lines/${lineId}/cancel`, { method: "POST", key: keys.storefront });

describe("a backordered line, all the way to delivered", () => {
  it("is allocated, charged, shipped and delivered, with each email exactly once", async () => {
    const sku = newSku();
    await putSku(sku, { name: "W", onHand: 0, backorder: { allowed: true, leadTimeDays: 7 } });
    const created = await postOrder(orderBody([{ lineRef: "1", sku, qty: 2, unitPrice: 1500 }]));
    expect(created.status, created.text).toBe(201);
    const orderId = String(created.json.orderId);
    const lineId = (created.json.lines as OrderLine[])[0]?.lineId as string;

    expect((await receive(sku, 2)).status).toBe(200);
    const shipment = await requestedShipmentOf(orderId);
    expect(shipment).toMatchObject({
      orderId,
      status: "requested",
      lines: [{ lineId, sku, qty: 2 }],
      shippingAddress: { line1: "1 Main St", country: "US" },
    });
    expect(await lineStatus(orderId, lineId)).toBe("shipment_requested");

    const shipped = await api(`/v1/shipments/${shipment.shipmentId}/shipped`, {
      method: "POST",
      key: keys.warehouse,
      body: { carrier: "UPS", trackingNumber: "1Z999AA10123456784" },
    });
    expect(shipped.status, shipped.text).toBe(200);
    // A repeat of the same callback is fine; another tracking number is not.
    const again = await api(`/v1/shipments/${shipment.shipmentId}/shipped`, {
      method: "POST",
      key: keys.warehouse,
      body: { carrier: "UPS", trackingNumber: "1Z999AA10123456784" },
    });
    expect(again.status).toBe(200);
    const other = await api(`/v1/shipments/${shipment.shipmentId}/shipped`, {
      method: "POST",
      key: keys.warehouse,
      body: { carrier: "UPS", trackingNumber: "OTHER" },
    });
    expect(other.status).toBe(409);

    const line = (await order(orderId)).lines[0];
    expect(line).toMatchObject({
      status: "shipped",
      shipmentId: shipment.shipmentId,
      trackingNumber: "1Z999AA10123456784",
    });
    expect(await getSku(sku)).toMatchObject({ onHand: 0, allocated: 0, backorderedQty: 0 });
    // Cancelling a shipped line is too late.
    expect((await cancel(orderId, lineId)).status).toBe(409);

    const delivered = await api(`/v1/shipments/${shipment.shipmentId}/delivered`, {
      method: "POST",
      key: keys.warehouse,
    });
    expect(delivered.status, delivered.text).toBe(200);
    await waitForStatus(orderId, lineId, "delivered");
    expect((await order(orderId)).status).toBe("completed");

    const sent = await eventually(
      async () => {
        const list = await kinds(orderId);
        return list.includes("delivered") ? list : undefined;
      },
      { what: "the delivered email" },
    );
    expect(sent).toEqual(["backordered", "charged", "shipped", "delivered"]);
    const history = (await order(orderId)).lines[0] as unknown as {
      history: { status: string }[];
    };
    expect(history.history.map((h) => h.status)).toEqual([
      "backordered",
      "allocated",
      "charged",
      "shipment_requested",
      "shipped",
      "delivered",
    ]);
  });

  it("GET /v1/shipments is for the warehouse", async () => {
    expect((await api("/v1/shipments?status=requested", { key: keys.storefront })).status).toBe(
      403,
    );
    expect((await api("/v1/shipments?status=whatever", { key: keys.warehouse })).status).toBe(400);
  });
});

describe("ship_complete", () => {
  it("ships nothing (and charges nothing) until the last line is allocated, then one shipment", async () => {
    const [inStock, later] = [newSku(), newSku()];
    await putSku(inStock, { name: "A", onHand: 5, backorder: { allowed: true } });
    await putSku(later, { name: "B", onHand: 0, backorder: { allowed: true } });
    const created = await postOrder(
      orderBody(
        [
          { lineRef: "1", sku: inStock, qty: 1 },
          { lineRef: "2", sku: later, qty: 1 },
        ],
        { splitPolicy: "ship_complete" },
      ),
    );
    expect(created.status, created.text).toBe(201);
    const orderId = String(created.json.orderId);
    const [first, second] = created.json.lines as OrderLine[];

    // The allocated line waits for its sibling: still allocated, not charged, no shipment.
    await settled();
    expect(await lineStatus(orderId, first?.lineId as string)).toBe("allocated");
    expect((await order(orderId)).lines.every((l) => l.shipmentId === null)).toBe(true);
    expect(await kinds(orderId)).toEqual(["backordered"]);

    expect((await receive(later, 1)).status).toBe(200);
    const shipment = await requestedShipmentOf(orderId);
    expect(shipment.lines.map((l) => l.lineId).sort()).toEqual(
      [first?.lineId, second?.lineId].sort(),
    );
    const lines = (await order(orderId)).lines;
    expect(new Set(lines.map((l) => l.shipmentId))).toEqual(new Set([shipment.shipmentId]));
  });
});

describe("max_shipments", () => {
  it("ships what is ready while more than one shipment is left; the last waits for all", async () => {
    const [a, b, c] = [newSku(), newSku(), newSku()];
    await putSku(a, { name: "A", onHand: 1, backorder: { allowed: true } });
    await putSku(b, { name: "B", onHand: 0, backorder: { allowed: true } });
    await putSku(c, { name: "C", onHand: 0, backorder: { allowed: true } });
    const created = await postOrder(
      orderBody(
        [
          { lineRef: "1", sku: a, qty: 1 },
          { lineRef: "2", sku: b, qty: 1 },
          { lineRef: "3", sku: c, qty: 1 },
        ],
        { splitPolicy: "max_shipments", maxShipments: 2 },
      ),
    );
    expect(created.status, created.text).toBe(201);
    const orderId = String(created.json.orderId);
    const [la, lb, lc] = created.json.lines as OrderLine[];

    const first = await requestedShipmentOf(orderId);
    expect(first.lines.map((l) => l.lineId)).toEqual([la?.lineId]);

    // B arrives, but the next shipment is the last: it waits for C.
    expect((await receive(b, 1)).status).toBe(200);
    await settled();
    expect(await lineStatus(orderId, lb?.lineId as string)).toBe("allocated");

    expect((await receive(c, 1)).status).toBe(200);
    const last = await eventually(
      async () =>
        (await requestedShipments()).find(
          (s) => s.orderId === orderId && s.shipmentId !== first.shipmentId,
        ),
      { what: "the last shipment" },
    );
    expect(last.lines.map((l) => l.lineId).sort()).toEqual([lb?.lineId, lc?.lineId].sort());
  });
});

describe("cancelling a line", () => {
  it("after allocation gives its units to the next waiting line", async () => {
    const [sku, other] = [newSku(), newSku()];
    await putSku(sku, { name: "W", onHand: 1, backorder: { allowed: true } });
    await putSku(other, { name: "O", onHand: 0, backorder: { allowed: true } });
    // ship_complete keeps the allocated line from being charged (its sibling waits).
    const holder = await postOrder(
      orderBody(
        [
          { lineRef: "1", sku, qty: 1 },
          { lineRef: "2", sku: other, qty: 1 },
        ],
        { splitPolicy: "ship_complete" },
      ),
    );
    const next = await postOrder(orderBody([{ lineRef: "1", sku, qty: 1 }]));
    const held = (holder.json.lines as OrderLine[])[0] as OrderLine;
    const waiting = (next.json.lines as OrderLine[])[0] as OrderLine;
    expect([held.status, waiting.status]).toEqual(["allocated", "backordered"]);

    const res = await cancel(String(holder.json.orderId), held.lineId);
    expect(res.status, res.text).toBe(200);
    expect(res.json).toEqual({ lineId: held.lineId, status: "cancelled", refund: null });
    // Cancelling again answers the same.
    expect((await cancel(String(holder.json.orderId), held.lineId)).json).toEqual(res.json);

    await eventually(
      async () => (await lineStatus(String(next.json.orderId), waiting.lineId)) !== "backordered",
      { what: "the next waiting line to get the unit" },
    );
    expect(await getSku(sku)).toMatchObject({ onHand: 1, allocated: 1, backorderedQty: 0 });
    const sent = await eventually(async () => {
      const list = await kinds(String(holder.json.orderId));
      return list.includes("cancelled") ? list : undefined;
    });
    expect(sent.filter((k) => k === "cancelled")).toHaveLength(1);
  });

  it("after it was charged refunds it and takes it out of its shipment", async () => {
    const sku = newSku();
    await putSku(sku, { name: "W", onHand: 3 });
    const created = await postOrder(orderBody([{ lineRef: "1", sku, qty: 3, unitPrice: 250 }]));
    const orderId = String(created.json.orderId);
    const line = (created.json.lines as OrderLine[])[0] as OrderLine;
    const shipment = await requestedShipmentOf(orderId);

    const res = await cancel(orderId, line.lineId);
    expect(res.status, res.text).toBe(200);
    expect(res.json).toEqual({
      lineId: line.lineId,
      status: "cancelled",
      refund: { amount: 750, currency: "USD" },
    });
    const listed = await requestedShipments();
    expect(listed.some((s) => s.shipmentId === shipment.shipmentId)).toBe(false);
    expect(await getSku(sku)).toMatchObject({ onHand: 3, allocated: 0, available: 3 });
    expect((await order(orderId)).status).toBe("cancelled");
  });

  it("of a waiting line releases its backorder; an unknown line is 404", async () => {
    const sku = newSku();
    await putSku(sku, { name: "W", onHand: 0, backorder: { allowed: true, limit: 5 } });
    const created = await postOrder(orderBody([{ lineRef: "1", sku, qty: 5 }]));
    const orderId = String(created.json.orderId);
    const line = (created.json.lines as OrderLine[])[0] as OrderLine;
    expect((await cancel(orderId, line.lineId)).status).toBe(200);
    expect(await getSku(sku)).toMatchObject({ backorderedQty: 0 });
    // The room under the limit is back.
    expect((await postOrder(orderBody([{ lineRef: "1", sku, qty: 5 }]))).status).toBe(201);
    expect((await cancel(orderId, "ln_nope")).status).toBe(404);
  });
});
