import type { IsoDate } from "./dates.ts";
import type { LineStatus } from "./line-states.ts";

export type Currency = string;

export interface Customer {
  email: string;
  name: string;
}

export interface Address {
  line1: string;
  line2?: string;
  city: string;
  region?: string;
  postalCode: string;
  country: string;
}

export type PaymentProvider = "sandbox" | "stripe";

export interface PaymentDetails {
  provider: PaymentProvider;
  customerRef: string;
  paymentMethodRef: string;
}

export type SplitPolicy = "ship_as_available" | "ship_complete" | "max_shipments";

export interface HistoryEntry {
  status: LineStatus;
  at: string;
}

export interface Line {
  orderId: string;
  lineId: string;
  lineRef: string;
  sku: string;
  qty: number;
  /** Price of one unit in minor units of the order's currency. */
  unitPrice: number;
  currency: Currency;
  status: LineStatus;
  eta: IsoDate | null;
  promisedBy: IsoDate;
  createdAt: string;
  history: HistoryEntry[];
  /** When the customer was last emailed about this line. */
  lastContactAt: string;
  promiseEscalated: boolean;
  /** The date promised at intake (delays are measured from it). */
  firstPromisedBy?: IsoDate;
  /** Delay notices sent so far. */
  delays?: number;
  /** The promise the customer was last told of (intake, then each delay notice). */
  toldPromisedBy?: IsoDate;
  /** The ETA the customer was last emailed about. */
  notifiedEta?: IsoDate | null;
  /** The FTC rule asks the customer's consent to keep waiting, due by this day. */
  consentBy?: IsoDate | null;
  /** The `consentBy` the customer consented to. */
  consentedFor?: IsoDate | null;
  charge?: { chargeId: string; amount: number; currency: Currency; attempt: number };
  /** Charge attempts started so far; attempt n is charged with the key `<lineId>:charge:<n>`. */
  chargeAttempts?: number;
  /** The attempt started but not yet recorded: a retry after a crash reuses its key. */
  chargingAttempt?: number | null;
  /** The payment method of the attempt in flight (a resume must charge the same). */
  chargingMethod?: string | null;
  /** When a declined line's payment window closes (then it is cancelled). */
  paymentDueBy?: string | null;
  /** The customer gave a new payment method since the last decline. */
  retryCharge?: boolean;
  refund?: { refundId: string; amount: number; currency: Currency } | null;
  shipmentId?: string | null;
  carrier?: string | null;
  trackingNumber?: string | null;
  /** The line this one was split from when stock filled only part of it. */
  splitFrom?: string;
  /** The name of the line's current execution (the line id, then `<lineId>-r<n>`). */
  executionName?: string;
  /** Times the reconciler restarted the line's execution. */
  executionRestarts?: number;
}

export type OrderStatus = "open" | "completed" | "cancelled";

export interface Order {
  orderId: string;
  orderRef: string;
  status: OrderStatus;
  customer: Customer;
  shippingAddress: Address;
  splitPolicy: SplitPolicy;
  maxShipments?: number;
  payment: PaymentDetails;
  currency: Currency;
  createdAt: string;
}

export interface BackorderPolicy {
  allowed: boolean;
  limit?: number;
  leadTimeDays?: number;
}

export interface Sku {
  sku: string;
  name: string;
  onHand: number;
  allocated: number;
  backorderedQty: number;
  backorder: BackorderPolicy;
  substitutes: string[];
  updatedAt: string;
}

export function available(sku: Pick<Sku, "onHand" | "allocated">): number {
  return Math.max(0, sku.onHand - sku.allocated);
}

export function lineAmount(line: Pick<Line, "qty" | "unitPrice">): number {
  return line.qty * line.unitPrice;
}

/**
 * An order's status from its lines (contract §5): `cancelled` when every line is,
 * `completed` when every line is delivered or cancelled and one at least was delivered,
 * else `open`.
 */
export function orderStatusOf(lines: readonly Pick<Line, "status">[]): OrderStatus {
  if (lines.length === 0) return "open";
  if (lines.every((l) => l.status === "cancelled")) return "cancelled";
  if (lines.every((l) => l.status === "delivered" || l.status === "cancelled")) return "completed";
  return "open";
}

export type ShipmentStatus = "forming" | "requested" | "shipped" | "delivered" | "cancelled";

/** Lines of one order sent together (contract §6). */
export interface Shipment {
  shipmentId: string;
  orderId: string;
  status: ShipmentStatus;
  /** The shipment's lines by line id. */
  lines: Record<string, { sku: string; qty: number }>;
  /** Lines not yet charged; the shipment is requested when none is left. */
  pending?: string[];
  shippingAddress: Address;
  carrier?: string;
  trackingNumber?: string;
  createdAt: string;
  requestedAt?: string;
  shippedAt?: string;
  deliveredAt?: string;
}

/** Quantities added up per SKU (a receipt, a notice, a shipment may name a SKU twice). */
export function qtyBySku(lines: Iterable<{ sku: string; qty: number }>): Map<string, number> {
  const out = new Map<string, number>();
  for (const { sku, qty } of lines) out.set(sku, (out.get(sku) ?? 0) + qty);
  return out;
}
