import type { LineStatus } from "../domain/line-states.ts";
import type { Line, Order, Shipment, ShipmentStatus } from "../domain/model.ts";

export type ShipOutcome = "shipped" | "already-shipped" | "not-requested" | "not-found";

/** Persistence of what happens to a line after allocation: charges, shipments, cancels. */
export interface FulfilmentStore {
  /** Starts charge attempt n (or returns the one a crashed run started); null if the line moved. */
  beginChargeAttempt(line: Line, paymentMethodRef: string): Promise<number | null>;
  recordCharge(
    line: Line,
    attempt: number,
    charge: NonNullable<Line["charge"]>,
    at: Date,
  ): Promise<boolean>;
  recordDecline(line: Line, attempt: number, paymentDueBy: Date, at: Date): Promise<boolean>;
  /** The customer gave a new payment method: a declined line may be charged again. */
  requestChargeRetry(orderId: string, lineId: string): Promise<boolean>;
  setPaymentMethod(orderId: string, paymentMethodRef: string): Promise<void>;

  createShipment(
    order: Order,
    lines: readonly Line[],
    shipmentId: string,
    at: Date,
  ): Promise<boolean>;
  getShipment(shipmentId: string): Promise<Shipment | null>;
  listShipments(status: ShipmentStatus, limit?: number): Promise<Shipment[]>;
  /** A charged line joins its shipment's request; the last one makes it `requested`. */
  requestShipmentLine(line: Line, at: Date): Promise<void>;
  removeFromShipment(shipmentId: string, lineId: string, at: Date): Promise<void>;
  shipShipment(
    shipmentId: string,
    carrier: string,
    trackingNumber: string,
    at: Date,
  ): Promise<ShipOutcome>;
  deliverShipment(
    shipmentId: string,
    at: Date,
  ): Promise<"delivered" | "already-delivered" | "not-shipped" | "not-found">;

  /** Cancels a line that is still `from`, releasing its units; false if it moved. */
  cancelLine(line: Line, from: LineStatus, at: Date): Promise<boolean>;
  /** Records a refund; it also settles a charge attempt left in flight by a cancel. */
  recordRefund(line: Line, refund: NonNullable<Line["refund"]>): Promise<void>;
  /** A cancelled line's in-flight attempt turned out declined: nothing to refund. */
  settleCancelledAttempt(line: Line, attempt: number): Promise<void>;
}
