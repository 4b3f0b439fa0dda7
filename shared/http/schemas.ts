import * as z from "zod";
import { PAYMENT_PROVIDERS, SPLIT_POLICIES } from "../domain/model.ts";

/**
 * Zod schemas of the contract's request bodies (../shared/contract.md). Fields the contract
 * does not define are ignored (and not stored), so clients may send more than we read.
 */

export const skuCode = z
  .string()
  .min(1)
  .max(64)
  .regex(/^[A-Za-z0-9][A-Za-z0-9._-]*$/, "letters, digits, '.', '_' and '-' only");

const quantity = z.number().int().nonnegative();

export const putSkuBody = z.object({
  name: z.string().trim().min(1).max(200),
  onHand: quantity,
  backorder: z
    .object({
      allowed: z.boolean(),
      limit: z.number().int().positive().optional(),
      leadTimeDays: z.number().int().nonnegative().max(3650).optional(),
    })
    .default({ allowed: false }),
  substitutes: z.array(skuCode).max(50).default([]),
});

export type PutSkuBody = z.infer<typeof putSkuBody>;

/** Lines per order: a split doubles a line and each SKU is written too, and one
 * DynamoDB transaction holds 100 writes (3 × 32 + order + idempotency record). */
export const MAX_ORDER_LINES = 32;

const CURRENCIES = new Set(Intl.supportedValuesOf("currency"));

const text = (max: number) => z.string().trim().min(1).max(max);

const orderLine = z.object({
  lineRef: text(64),
  // Any SKU code may be asked for: one that is not in the catalog is a 422, not a 400.
  sku: z.string().min(1).max(255),
  qty: z.number().int().positive().max(100_000),
  unitPrice: z.number().int().nonnegative().max(10_000_000_000),
});

export const postOrderBody = z
  .object({
    orderRef: text(100),
    customer: z.object({ email: z.email().max(254), name: text(200) }),
    shippingAddress: z.object({
      line1: text(200),
      line2: text(200).optional(),
      city: text(100),
      region: text(100).optional(),
      postalCode: text(20),
      country: z.string().regex(/^[A-Z]{2}$/, "an ISO 3166-1 alpha-2 code, e.g. US"),
    }),
    splitPolicy: z.enum(SPLIT_POLICIES).default("ship_as_available"),
    maxShipments: z
      .number()
      .int()
      .positive()
      .max(MAX_ORDER_LINES * 2)
      .optional(),
    payment: z.object({
      provider: z.enum(PAYMENT_PROVIDERS),
      customerRef: text(255),
      paymentMethodRef: text(255),
    }),
    currency: z.string().refine((c) => CURRENCIES.has(c), "an ISO 4217 currency code, e.g. USD"),
    lines: z.array(orderLine).min(1).max(MAX_ORDER_LINES),
  })

  .superRefine((order, ctx) => {
    if (order.splitPolicy === "max_shipments" && order.maxShipments === undefined) {
      ctx.addIssue({
        code: "custom",
        path: ["maxShipments"],
        message: "required when splitPolicy is max_shipments",
      });
    }
    if (order.splitPolicy !== "max_shipments" && order.maxShipments !== undefined) {
      ctx.addIssue({
        code: "custom",
        path: ["maxShipments"],
        message: "only allowed when splitPolicy is max_shipments",
      });
    }
    const seen = new Set<string>();
    order.lines.forEach((line, i) => {
      if (seen.has(line.lineRef)) {
        ctx.addIssue({
          code: "custom",
          path: ["lines", i, "lineRef"],
          message: `duplicate lineRef ${line.lineRef}`,
        });
      }
      seen.add(line.lineRef);
    });
  });

export type PostOrderBody = z.infer<typeof postOrderBody>;

/** The `Idempotency-Key` header of `POST /v1/orders`: 1–255 characters. */
export const idempotencyKey = z
  .string({ error: "the Idempotency-Key header is required" })
  .min(1, "the Idempotency-Key header must not be empty")
  .max(255, "the Idempotency-Key header is at most 255 characters");

/** Most items one page of a list holds (contract §2). */
export const MAX_PAGE_LIMIT = 1000;

/**
 * The query parameters of a paged list (contract §2): `limit` 1–1000, 100 by default, and
 * the opaque `cursor` of the page before (its store refuses one it did not give out).
 */
export const pageQuery = z.object({
  limit: z.coerce.number().int().min(1).max(MAX_PAGE_LIMIT).default(100),
  cursor: z.string().min(1).optional(),
});

/** `GET /v1/shipments`: a page of one status's shipments. */
export const shipmentsQuery = pageQuery.extend({
  status: z.enum(["requested", "shipped"]).default("requested"),
});

/** `GET /v1/orders`: orders by their ref or their customer's email (exactly one), paged. */
export const orderSearchQuery = pageQuery
  .extend({ orderRef: text(100).optional(), email: text(254).optional() })
  .refine((q) => (q.orderRef === undefined) !== (q.email === undefined), {
    message: "give exactly one of orderRef and email",
    path: ["orderRef"],
  });

/** Server-chosen ids in paths (`ord_…`, `ln_…`): checked for shape only. */
export const orderId = z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, "not an order id");

export const postReceiptBody = z.object({
  receiptId: z.string().trim().min(1).max(128),
  asnId: z.string().trim().min(1).max(128).optional(),
  lines: z
    .array(
      z.object({
        sku: z.string().min(1).max(255),
        qty: z.number().int().positive().max(1_000_000),
      }),
    )
    .min(1)
    .max(100),
});

export const shippedBody = z.object({
  carrier: z.string().trim().min(1).max(100),
  trackingNumber: z.string().trim().min(1).max(100),
});

export const paymentMethodBody = z.object({
  paymentMethodRef: z.string().trim().min(1).max(255),
});

const isoInstant = z.iso.datetime({ offset: true });

/** An advance shipping notice (contract §6). */
export const asnBody = z.object({
  asnId: z.string().trim().min(1).max(128),
  revision: z.number().int().positive(),
  poNumber: z.string().max(128).optional(),
  shippedAt: isoInstant.optional(),
  estimatedDeliveryAt: isoInstant,
  carrier: z.string().max(100).optional(),
  trackingNumbers: z.array(z.string().max(100)).max(100).optional(),
  lines: z
    .array(
      z.object({
        // A notice may come before its SKU is in the catalog, but only for a code the
        // catalog could hold.
        sku: skuCode,
        qty: z.number().int().positive().max(1_000_000),
        lot: z.string().max(100).optional(),
      }),
    )
    .min(1)
    .max(500),
});

export type AsnBody = z.infer<typeof asnBody>;

export const supplierId = z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, "not a supplier id");

export const substituteBody = z.object({ sku: z.string().min(1).max(255) });

const reportDay = z.iso.date();

/** `GET /v1/reports/promises?from&to`: a span of days, at most a year (366 days); by
 * default the 30 days to today (the handler fills what is left out). */
export const promiseReportQuery = z
  .object({ from: reportDay.optional(), to: reportDay.optional() })
  .refine((q) => !q.from || !q.to || q.from <= q.to, {
    message: "`from` must not be after `to`",
    path: ["from"],
  });
