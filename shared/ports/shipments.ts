import type { Line, Order, Shipment, ShipmentStatus } from "../domain/model.ts";
import type { Page, PageRequest } from "./paging.ts";

export type ShipOutcome = "shipped" | "already-shipped" | "not-requested" | "not-found";
export type DeliverOutcome = "delivered" | "already-delivered" | "not-shipped" | "not-found";

/** Shipments: formed from allocated lines, requested once paid, shipped, delivered. */
export interface ShipmentStore {
  /** Forms a shipment of allocated lines not in one yet; false if one of them moved. */
  createShipment(
    order: Order,
    lines: readonly Line[],
    shipmentId: string,
    at: Date,
  ): Promise<boolean>;
  getShipment(shipmentId: string): Promise<Shipment | null>;
  /** Shipments of a status, oldest first (by when they were formed), a page at a time. */
  listShipments(status: ShipmentStatus, page: PageRequest): Promise<Page<Shipment>>;
  /**
   * A charged line joins its shipment's request; the last one makes it `requested`.
   * `last`: the caller read every other line of the shipment as joined or cancelled, so
   * this one tries to join and request the shipment in one write (it still checks).
   */
  requestShipmentLine(line: Line, at: Date, options?: { last?: boolean }): Promise<void>;
  removeFromShipment(shipmentId: string, lineId: string, at: Date): Promise<void>;
  shipShipment(
    shipmentId: string,
    carrier: string,
    trackingNumber: string,
    at: Date,
  ): Promise<ShipOutcome>;
  deliverShipment(shipmentId: string, at: Date): Promise<DeliverOutcome>;
}
