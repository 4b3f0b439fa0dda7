import {
  type Line,
  type Order,
  qtyBySku,
  type Shipment,
  type ShipmentStatus,
} from "../../shared/domain/model.ts";
import type { Page, PageRequest } from "../../shared/ports/paging.ts";
import type { DeliverOutcome, ShipmentStore, ShipOutcome } from "../../shared/ports/shipments.ts";
import {
  check,
  clone,
  type FakeDb,
  lineKey,
  markWake,
  moveLine,
  pageOf,
  type StoreCall,
} from "./db.ts";
import { shipUnits } from "./stock.ts";

const STAMPED = {
  requested: "requestedAt",
  shipped: "shippedAt",
  delivered: "deliveredAt",
} as const;

/** Where a shipment sorts on the status index: when it was formed, then its id. */
const sortKey = (s: Shipment) => `${s.createdAt}#${s.shipmentId}`;

/** A shipment's own status moves, only from `from`. */
function moveShipment(s: Shipment | undefined, to: ShipmentStatus, at: Date, from: string[]) {
  check(s && from.includes(s.status), `the shipment is ${from.join(" or ")}`);
  s.status = to;
  if (to in STAMPED) s[STAMPED[to as keyof typeof STAMPED]] = at.toISOString();
  return s;
}

/** Shipments and what they do to their lines (shared/adapters/dynamodb/shipments.ts). */
export class FakeShipments implements ShipmentStore {
  constructor(private readonly db: FakeDb) {}

  async createShipment(order: Order, lines: readonly Line[], shipmentId: string, at: Date) {
    const failed = await this.db.write("shipments.createShipment", (t) => {
      check(!t.shipments.has(shipmentId), "the shipment is new");
      t.shipments.set(shipmentId, {
        shipmentId,
        orderId: order.orderId,
        status: "forming",
        lines: Object.fromEntries(lines.map((l) => [l.lineId, { sku: l.sku, qty: l.qty }])),
        pending: lines.map((l) => l.lineId),
        shippingAddress: clone(order.shippingAddress),
        createdAt: at.toISOString(),
      });
      for (const l of lines) {
        const line = t.lines.get(lineKey(l.orderId, l.lineId));
        check(line?.status === "allocated", `line ${l.lineId} is allocated`);
        check(!line.shipmentId, `line ${l.lineId} is in no shipment yet`);
        line.shipmentId = shipmentId;
        markWake(t, line.orderId, line.lineId, at);
      }
    });
    return failed === null;
  }

  async getShipment(shipmentId: string): Promise<Shipment | null> {
    const shipment = this.db.tables.shipments.get(shipmentId);
    return shipment ? clone(shipment) : null;
  }

  async listShipments(status: ShipmentStatus, request: PageRequest): Promise<Page<Shipment>> {
    // Delivered shipments leave the status index: nobody lists them.
    const listed = [...this.db.tables.shipments.values()]
      .filter((s) => s.status === status && status !== "delivered")
      .sort((a, b) => sortKey(a).localeCompare(sortKey(b)));
    return pageOf(`shipments#${status}`, listed, sortKey, request);
  }

  async requestShipmentLine(line: Line, at: Date): Promise<void> {
    const shipmentId = line.shipmentId;
    if (!shipmentId) throw new Error(`line ${line.lineId} has no shipment`);
    if (line.status === "charged") {
      await this.db.write("shipments.requestShipmentLine", (t) => {
        moveLine(t.lines.get(lineKey(line.orderId, line.lineId)), "shipment_requested", at);
        const shipment = t.shipments.get(shipmentId);
        check(shipment, "the shipment exists");
        shipment.pending = (shipment.pending ?? []).filter((id) => id !== line.lineId);
      });
    }
    await this.completeIfReady("shipments.requestShipmentLine", shipmentId, at);
  }

  async removeFromShipment(shipmentId: string, lineId: string, at: Date): Promise<void> {
    let left = 0;
    const failed = await this.db.write("shipments.removeFromShipment", (t) => {
      const shipment = t.shipments.get(shipmentId);
      check(shipment?.status === "forming" || shipment?.status === "requested", "not sent yet");
      delete shipment.lines[lineId];
      shipment.pending = (shipment.pending ?? []).filter((id) => id !== lineId);
      left = Object.keys(shipment.lines).length;
    });
    if (failed) return;
    if (left > 0) return this.completeIfReady("shipments.removeFromShipment", shipmentId, at);
    await this.db.write("shipments.removeFromShipment", (t) => {
      moveShipment(t.shipments.get(shipmentId), "cancelled", at, ["forming", "requested"]);
    });
  }

  async shipShipment(
    id: string,
    carrier: string,
    trackingNumber: string,
    at: Date,
  ): Promise<ShipOutcome> {
    const shipment = this.db.tables.shipments.get(id);
    if (!shipment) return "not-found";
    if (shipment.status === "shipped" || shipment.status === "delivered") {
      return shipment.trackingNumber === trackingNumber ? "already-shipped" : "not-requested";
    }
    if (shipment.status !== "requested") return "not-requested";
    const failed = await this.db.write("shipments.shipShipment", (t) => {
      const tracking = { carrier, trackingNumber };
      Object.assign(moveShipment(t.shipments.get(id), "shipped", at, ["requested"]), tracking);
      for (const lineId of Object.keys(shipment.lines)) {
        Object.assign(
          moveLine(t.lines.get(lineKey(shipment.orderId, lineId)), "shipped", at),
          tracking,
        );
        markWake(t, shipment.orderId, lineId, at);
      }
      for (const [sku, qty] of qtyBySku(Object.values(shipment.lines)))
        shipUnits(t.skus.get(sku), qty);
    });
    return failed ? "not-requested" : "shipped";
  }

  async deliverShipment(id: string, at: Date): Promise<DeliverOutcome> {
    const shipment = this.db.tables.shipments.get(id);
    if (!shipment) return "not-found";
    if (shipment.status === "delivered") return "already-delivered";
    if (shipment.status !== "shipped") return "not-shipped";
    const failed = await this.db.write("shipments.deliverShipment", (t) => {
      moveShipment(t.shipments.get(id), "delivered", at, ["shipped"]);
      for (const lineId of Object.keys(shipment.lines)) {
        moveLine(t.lines.get(lineKey(shipment.orderId, lineId)), "delivered", at);
        markWake(t, shipment.orderId, lineId, at);
      }
    });
    return failed ? "not-shipped" : "delivered";
  }

  /** A forming shipment with no line left to charge becomes requested. */
  private async completeIfReady(call: StoreCall, shipmentId: string, at: Date): Promise<void> {
    await this.db.write(call, (t) => {
      const shipment = t.shipments.get(shipmentId);
      check(shipment?.pending?.length === 0, "no line is left to charge");
      moveShipment(shipment, "requested", at, ["forming"]);
    });
  }
}
