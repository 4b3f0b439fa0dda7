import * as z from "zod";
import { DELAY_TIERS } from "./delays.ts";
import { LINE_STATUSES } from "./line-states.ts";

/**
 * The entities, declared once as zod schemas: the types are inferred from them, and every
 * item read back from the store is parsed by its entity's schema (no unchecked casts).
 * Enumerations are `as const` arrays shared by the types and the schemas (HTTP included).
 */

export const SPLIT_POLICIES = ["ship_as_available", "ship_complete", "max_shipments"] as const;
export type SplitPolicy = (typeof SPLIT_POLICIES)[number];

export const PAYMENT_PROVIDERS = ["sandbox", "stripe"] as const;
export type PaymentProvider = (typeof PAYMENT_PROVIDERS)[number];

export const ORDER_STATUSES = ["open", "completed", "cancelled"] as const;
export type OrderStatus = (typeof ORDER_STATUSES)[number];

export const SHIPMENT_STATUSES = [
  "forming",
  "requested",
  "shipped",
  "delivered",
  "cancelled",
] as const;
export type ShipmentStatus = (typeof SHIPMENT_STATUSES)[number];

export type Currency = string;

/** Why a line was cancelled (the promise report counts them, contract §11). */
export const CANCEL_REASONS = [
  "customer",
  "payment_window",
  "no_consent",
  "substitute",
  "storefront",
] as const;
export type CancelReason = (typeof CANCEL_REASONS)[number];

/** `YYYY-MM-DD`. */
const isoDate = z.string().regex(/^\d{4}-\d{2}-\d{2}$/);

export const customerSchema = z.object({ email: z.string(), name: z.string() });
export type Customer = z.infer<typeof customerSchema>;

export const addressSchema = z.object({
  line1: z.string(),
  line2: z.string().optional(),
  city: z.string(),
  region: z.string().optional(),
  postalCode: z.string(),
  country: z.string(),
});
export type Address = z.infer<typeof addressSchema>;

export const paymentDetailsSchema = z.object({
  provider: z.enum(PAYMENT_PROVIDERS),
  customerRef: z.string(),
  paymentMethodRef: z.string(),
});
export type PaymentDetails = z.infer<typeof paymentDetailsSchema>;

export const historyEntrySchema = z.object({ status: z.enum(LINE_STATUSES), at: z.string() });
export type HistoryEntry = z.infer<typeof historyEntrySchema>;

const chargeSchema = z.object({
  chargeId: z.string(),
  amount: z.number(),
  currency: z.string(),
  attempt: z.number(),
});

/** The concrete remedy a delay tier gives (contract §8), recorded on the line. */
export const remedySchema = z.object({
  kind: z.enum(["shipping_discount", "future_discount"]),
  /** Percent off the shipping, or off the next purchase. */
  percent: z.number(),
  /** A code from the shop's configured list, when it hands out codes. */
  code: z.string().nullable(),
});
export type Remedy = z.infer<typeof remedySchema>;

/** A substitute offered with a delay notice: one that could be sold when it was decided. */
const offeredSchema = z.object({ sku: z.string(), name: z.string(), available: z.number() });

/** A delay notice decided and recorded, not yet confirmed sent (it goes out once). */
export const owedNoticeSchema = z.object({
  /** The notice's event key part (`delay-<n>`). */
  occasion: z.string(),
  tier: z.enum(DELAY_TIERS),
  revised: isoDate.nullable(),
  /** Notices recorded before substitutes carried names list their codes. */
  substitutes: z
    .array(z.union([z.string(), offeredSchema]))
    .transform((all) =>
      all.map((s) => (typeof s === "string" ? { sku: s, name: s, available: 0 } : s)),
    ),
  consentBy: isoDate.nullable(),
  remedy: remedySchema.nullable().optional(),
});
export type OwedNotice = z.infer<typeof owedNoticeSchema>;

const refundSchema = z.object({ refundId: z.string(), amount: z.number(), currency: z.string() });

export const lineSchema = z.object({
  orderId: z.string(),
  lineId: z.string(),
  lineRef: z.string(),
  sku: z.string(),
  /** The SKU's catalog name when the line was sold (what emails and the page call it). */
  name: z.string().optional(),
  qty: z.number().int(),
  /** Price of one unit in minor units of the order's currency. */
  unitPrice: z.number().int(),
  currency: z.string(),
  status: z.enum(LINE_STATUSES),
  eta: isoDate.nullable(),
  promisedBy: isoDate,
  createdAt: z.string(),
  history: z.array(historyEntrySchema),
  /** When the customer was last emailed about this line. */
  lastContactAt: z.string(),
  /** The passed promise has been dealt with (a revised date unknown, or a silent slip). */
  promiseEscalated: z.boolean(),
  /** The date promised at intake (delays are measured from it). */
  firstPromisedBy: isoDate.optional(),
  /** Delay notices sent so far. */
  delays: z.number().int().optional(),
  /** The promise the customer was last told of (intake, then each delay notice). */
  toldPromisedBy: isoDate.optional(),
  /** The ETA the customer was last emailed about. */
  notifiedEta: isoDate.nullable().optional(),
  /** The FTC rule asks the customer's consent to keep waiting, due by this day. */
  consentBy: isoDate.nullable().optional(),
  /** The `consentBy` the customer consented to. */
  consentedFor: isoDate.nullable().optional(),
  /** Why it was cancelled, once it is. */
  cancelReason: z.enum(CANCEL_REASONS).optional(),
  /** The remedy the line's latest delay notice gave (a discount), if any. */
  remedy: remedySchema.nullable().optional(),
  /** The tier of the last delay notice about a paid line the warehouse has not shipped. */
  lateTier: z.enum(DELAY_TIERS).nullable().optional(),
  /** A delay notice recorded with its delay and not yet sent: the next step sends it. */
  owedNotice: owedNoticeSchema.nullable().optional(),
  charge: chargeSchema.optional(),
  /** Charge attempts started so far; attempt n is charged with the key `<lineId>:charge:<n>`. */
  chargeAttempts: z.number().int().optional(),
  /** The attempt started but not yet recorded: a retry after a crash reuses its key. */
  chargingAttempt: z.number().int().nullable().optional(),
  /** The payment method of the attempt in flight (a resume must charge the same). */
  chargingMethod: z.string().nullable().optional(),
  /** When a declined line's payment window closes (then it is cancelled). */
  paymentDueBy: z.string().nullable().optional(),
  /** When each charge attempt was declined (the line's timeline). */
  declinedAt: z.array(z.string()).optional(),
  /** The customer gave a new payment method since the last decline. */
  retryCharge: z.boolean().optional(),
  /** The payment method the customer gave last since then: the next attempt charges it
   * (the order holds it too, but a step that read the order before it came must not
   * charge the method it replaced). */
  retryMethod: z.string().optional(),
  refund: refundSchema.nullable().optional(),
  shipmentId: z.string().nullable().optional(),
  carrier: z.string().nullable().optional(),
  trackingNumber: z.string().nullable().optional(),
  /** The line this one was split from when stock filled only part of it. */
  splitFrom: z.string().optional(),
  /** The name of the line's current execution (the line id, then `<lineId>-r<n>`). */
  executionName: z.string().optional(),
  /** Times the reconciler restarted the line's execution. */
  executionRestarts: z.number().int().optional(),
  /** Of those, the restarts after the execution failed or timed out (an abort, e.g. a
   * stack stopped, does not count): past the configured number it is left to an operator. */
  executionFailures: z.number().int().optional(),
});
export type Line = z.infer<typeof lineSchema>;

export const orderSchema = z.object({
  orderId: z.string(),
  orderRef: z.string(),
  status: z.enum(ORDER_STATUSES),
  customer: customerSchema,
  shippingAddress: addressSchema,
  splitPolicy: z.enum(SPLIT_POLICIES),
  maxShipments: z.number().int().optional(),
  payment: paymentDetailsSchema,
  currency: z.string(),
  createdAt: z.string(),
  /** Customer links of this generation open (absent: 0); the shop withdrawing them
   * (`POST /v1/orders/{orderId}/links/revoke`) moves it on, and new emails carry new links. */
  linkGeneration: z.number().int().nonnegative().optional(),
  /** When the shop last withdrew the order's customer links. */
  linksRevokedAt: z.string().optional(),
});
export type Order = z.infer<typeof orderSchema>;

export const backorderPolicySchema = z.object({
  allowed: z.boolean(),
  limit: z.number().int().optional(),
  leadTimeDays: z.number().int().optional(),
});
export type BackorderPolicy = z.infer<typeof backorderPolicySchema>;

export const skuSchema = z.object({
  sku: z.string(),
  name: z.string(),
  onHand: z.number().int(),
  allocated: z.number().int(),
  backorderedQty: z.number().int(),
  backorder: backorderPolicySchema,
  substitutes: z.array(z.string()),
  updatedAt: z.string(),
});
export type Sku = z.infer<typeof skuSchema>;

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

/** Lines of one order sent together (contract §6). */
export const shipmentSchema = z.object({
  shipmentId: z.string(),
  orderId: z.string(),
  status: z.enum(SHIPMENT_STATUSES),
  /** The shipment's lines by line id. */
  lines: z.record(z.string(), z.object({ sku: z.string(), qty: z.number().int() })),
  /** Lines not yet charged; the shipment is requested when none is left. */
  pending: z.array(z.string()).optional(),
  shippingAddress: addressSchema,
  carrier: z.string().optional(),
  trackingNumber: z.string().optional(),
  createdAt: z.string(),
  requestedAt: z.string().optional(),
  shippedAt: z.string().optional(),
  deliveredAt: z.string().optional(),
});
export type Shipment = z.infer<typeof shipmentSchema>;

/** Quantities added up per SKU (a receipt, a notice, a shipment may name a SKU twice). */
export function qtyBySku(lines: Iterable<{ sku: string; qty: number }>): Map<string, number> {
  const out = new Map<string, number>();
  for (const { sku, qty } of lines) out.set(sku, (out.get(sku) ?? 0) + qty);
  return out;
}
