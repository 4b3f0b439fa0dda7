import * as z from "zod";
import { LINE_STATUSES } from "../domain/line-states.ts";
import { CANCEL_REASONS, ORDER_STATUSES, SHIPMENT_STATUSES } from "../domain/model.ts";
import { NOTIFICATION_KINDS } from "../domain/notifications.ts";
import { LATE_TIERS } from "../domain/outcomes.ts";
import { timelineEventSchema } from "../domain/timeline.ts";
import { type FunctionName, ROUTE_THROTTLES, ROUTES, type Role, type Route } from "./routes.ts";
import {
  asnBody,
  idempotencyKey,
  MAX_PAGE_LIMIT,
  paymentMethodBody,
  postOrderBody,
  postReceiptBody,
  putSkuBody,
  shipmentsQuery,
  shippedBody,
  substituteBody,
} from "./schemas.ts";

/**
 * The OpenAPI 3.1 document of the HTTP API (`GET /openapi.json`), generated from the one
 * route table (routes.ts) and the zod schemas the handlers validate with (schemas.ts), so
 * it cannot drift from what is served. Answers are described by the zod schemas below,
 * which follow the views (views.ts) and the contract.
 */

const day = z.string().regex(/^\d{4}-\d{2}-\d{2}$/);
const instant = z.string().describe("ISO 8601 instant");
const nextCursor = z.string().nullable().describe("the next page's cursor; null on the last");
const money = z.object({ amount: z.number().int(), currency: z.string() });

const problem = z
  .object({
    type: z.string(),
    title: z.string(),
    status: z.number().int(),
    detail: z.string(),
    errors: z.array(z.object({ path: z.string(), message: z.string() })).optional(),
  })
  .describe("RFC 9457 problem details");

const createdLine = z.object({
  lineId: z.string(),
  lineRef: z.string(),
  sku: z.string(),
  qty: z.number().int(),
  status: z.enum(LINE_STATUSES),
  eta: day.nullable(),
  promisedBy: day,
});

const createdOrder = z.object({
  orderId: z.string(),
  orderRef: z.string(),
  status: z.enum(ORDER_STATUSES),
  lines: z.array(createdLine),
});

const order = createdOrder.extend({
  lines: z.array(
    createdLine.extend({
      shipmentId: z.string().nullable(),
      trackingNumber: z.string().nullable(),
      history: z.array(z.object({ status: z.enum(LINE_STATUSES), at: instant })),
    }),
  ),
});

const sku = z.object({
  sku: z.string(),
  name: z.string(),
  onHand: z.number().int(),
  allocated: z.number().int(),
  available: z.number().int(),
  backorderedQty: z.number().int(),
  backorder: z.object({
    allowed: z.boolean(),
    limit: z.number().int().optional(),
    leadTimeDays: z.number().int().optional(),
  }),
  substitutes: z.array(z.string()),
  inbound: z.array(
    z.object({ asnId: z.string(), qty: z.number().int(), estimatedDeliveryAt: instant }),
  ),
  nextEta: day.nullable(),
});

const notification = z.object({
  kind: z.enum(NOTIFICATION_KINDS),
  to: z.string(),
  subject: z.string(),
  sentAt: instant,
  lineIds: z.array(z.string()),
});

const allocation = z.object({
  lineId: z.string(),
  orderId: z.string(),
  sku: z.string(),
  qty: z.number().int(),
});

const receipt = z.object({
  receiptId: z.string(),
  status: z.enum(["processing", "done"]),
  allocations: z.array(allocation),
  putAway: z.array(z.object({ sku: z.string(), qty: z.number().int() })),
});

const shipment = z.object({
  shipmentId: z.string(),
  orderId: z.string(),
  status: z.enum(SHIPMENT_STATUSES),
  lines: z.array(z.object({ lineId: z.string(), sku: z.string(), qty: z.number().int() })),
  shippingAddress: z.object({}).loose(),
  carrier: z.string().nullable(),
  trackingNumber: z.string().nullable(),
});

const cancelled = z.object({
  lineId: z.string(),
  status: z.enum(LINE_STATUSES),
  refund: money.nullable(),
});

const customerOrder = z
  .object({
    orderId: z.string(),
    orderRef: z.string(),
    status: z.enum(ORDER_STATUSES),
    lines: z.array(
      z
        .object({
          lineId: z.string(),
          name: z.string(),
          status: z.enum(LINE_STATUSES),
          actions: z.object({
            cancel: z.boolean(),
            keepWaiting: z.boolean(),
            substitutes: z.array(
              z.object({ sku: z.string(), name: z.string(), price: z.number().int() }).loose(),
            ),
            updatePaymentMethod: z.boolean(),
          }),
        })
        .loose(),
    ),
  })
  .loose()
  .describe("the customer's order page (HTML for Accept: text/html)");

const promiseFigures = z.object({
  shippedOnTime: z.number().int(),
  shippedLate: z.object(Object.fromEntries(LATE_TIERS.map((t) => [t, z.number().int()]))),
  cancelled: z.object(Object.fromEntries(CANCEL_REASONS.map((r) => [r, z.number().int()]))),
  averageDaysToShip: z.number().nullable(),
  p90DaysToShip: z.number().int().nullable(),
  onTimeRate: z.number().nullable(),
});

interface Operation {
  summary: string;
  body?: z.ZodType;
  /** Query parameters (besides a customer's `token`). */
  query?: Record<string, { schema: z.ZodType; description: string; required?: boolean }>;
  headers?: Record<string, { schema: z.ZodType; description: string; required?: boolean }>;
  /** Success answers by status (JSON unless `type` says otherwise). */
  ok: Record<number, { description: string; schema: z.ZodType; type?: string }>;
  /** Refusals beyond those every route of its kind has (400, 401, 403, 404). */
  refusals?: Record<number, string>;
}

const paged = {
  limit: {
    schema: z.number().int().min(1).max(MAX_PAGE_LIMIT),
    description: `items a page (default 100, at most ${MAX_PAGE_LIMIT})`,
  },
  cursor: { schema: z.string(), description: "the `nextCursor` of the page before" },
};

/** What each function's route does, answers and refuses. */
const OPERATIONS: Partial<Record<FunctionName, Operation>> = {
  "get-console": {
    summary:
      "The operator console: a page (and its script and styles) that asks for the storefront key and shows the reports, a search and line timelines",
    ok: {
      200: { description: "the page, or one of its files", schema: z.string(), type: "text/html" },
    },
  },
  "get-orders": {
    summary: "Orders by their ref or their customer's email (exactly one), newest first (paged)",
    query: {
      orderRef: { schema: z.string().min(1).max(100), description: "the storefront's order ref" },
      email: {
        schema: z.string().min(1).max(254),
        description: "the customer's email (any case)",
      },
      ...paged,
    },
    ok: {
      200: {
        description: "a page of orders",
        schema: z.object({
          orders: z.array(
            z.object({
              orderId: z.string(),
              orderRef: z.string(),
              createdAt: instant,
              customer: z.object({ email: z.string(), name: z.string() }),
              currency: z.string(),
            }),
          ),
          nextCursor,
        }),
      },
    },
  },
  "get-line-timeline": {
    summary:
      "What happened to a line: its statuses, emails sent and failed, charges and refund, and its workflow's waits and wakes, oldest first",
    ok: {
      200: {
        description: "the line and its timeline",
        schema: z.object({
          orderId: z.string(),
          orderRef: z.string(),
          customer: z.object({ email: z.string(), name: z.string() }),
          line: createdLine.extend({
            name: z.string().nullable(),
            unitPrice: z.number().int(),
            currency: z.string(),
            firstPromisedBy: day,
            delays: z.number().int(),
            cancelReason: z.enum(CANCEL_REASONS).nullable(),
            shipmentId: z.string().nullable(),
            carrier: z.string().nullable(),
            trackingNumber: z.string().nullable(),
            splitFrom: z.string().nullable(),
            executionRestarts: z.number().int(),
          }),
          events: z.array(timelineEventSchema),
          runsOmitted: z
            .number()
            .int()
            .describe("older workflow runs left out (the latest 3 are read)"),
          truncated: z.boolean().describe("a run's history was read only in part"),
        }),
      },
    },
  },
  "get-health": {
    summary: "The API and its table are reachable",
    ok: { 200: { description: "up", schema: z.object({ status: z.literal("ok") }) } },
    refusals: { 503: "not ready" },
  },
  "put-sku": {
    summary: "Create or update a SKU's stock, backorder policy and substitutes",
    body: putSkuBody,
    ok: {
      200: { description: "updated", schema: sku },
      201: { description: "created", schema: sku },
    },
  },
  "get-sku": {
    summary: "A SKU with its stock figures and inbound",
    ok: { 200: { description: "the SKU", schema: sku } },
  },
  "post-order": {
    summary: "Take an order: lines in stock are allocated, the rest backordered",
    body: postOrderBody,
    headers: {
      "Idempotency-Key": {
        schema: idempotencyKey,
        description: "1–255 characters",
        required: true,
      },
    },
    ok: { 201: { description: "the order", schema: createdOrder } },
    refusals: {
      409: "insufficient stock (`lines` lists them); nothing written",
      422: "unknown SKU, or an Idempotency-Key reused with another body",
    },
  },
  "get-order": {
    summary: "An order with its lines",
    ok: { 200: { description: "the order", schema: order } },
  },
  "get-order-notifications": {
    summary: "Every email sent for the order, in order (paged)",
    query: paged,
    ok: {
      200: {
        description: "a page of emails",
        schema: z.object({ notifications: z.array(notification), nextCursor }),
      },
    },
  },
  "cancel-line": {
    summary: "Cancel a line (refunded if charged)",
    ok: { 200: { description: "cancelled", schema: cancelled } },
    refusals: { 409: "the line has shipped" },
  },
  "revoke-customer-links": {
    summary:
      "Withdraw the order's customer links: those emailed so far answer 401, later emails carry new ones",
    ok: {
      200: {
        description: "withdrawn",
        schema: z.object({
          orderId: z.string(),
          linkGeneration: z.number().int(),
          linksRevokedAt: z.string(),
        }),
      },
    },
  },
  "post-receipt": {
    summary: "Stock received: filled oldest waiting line first (idempotent by receiptId)",
    body: postReceiptBody,
    ok: {
      200: { description: "done, with the cross-dock list", schema: receipt },
      202: {
        description: "too large to finish at once: processing (see Location)",
        schema: z.object({ receiptId: z.string(), status: z.literal("processing") }),
      },
    },
    refusals: { 409: "the receiptId was used with other lines" },
  },
  "get-receipt": {
    summary: "A receipt's status and its cross-dock list (paged)",
    query: paged,
    ok: { 200: { description: "the receipt", schema: receipt.extend({ nextCursor }) } },
  },
  "post-asn": {
    summary: "A supplier's advance shipping notice (Standard Webhooks)",
    body: asnBody,
    headers: {
      "webhook-id": {
        schema: z.string().max(255),
        description: "the delivery's id",
        required: true,
      },
      "webhook-timestamp": {
        schema: z.string(),
        description: "seconds since the epoch",
        required: true,
      },
      "webhook-signature": {
        schema: z.string(),
        description: "v1,<base64 HMAC-SHA256>",
        required: true,
      },
    },
    ok: {
      202: {
        description: "accepted",
        schema: z.object({ asnId: z.string(), status: z.literal("accepted") }),
      },
    },
    refusals: {
      409: "the webhook-id was taken by a delivery of another notice (a redelivery of the same notice answers as before)",
    },
  },
  "get-shipments": {
    summary: "Shipments to send, oldest first (paged)",
    query: {
      ...paged,
      status: {
        schema: shipmentsQuery.shape.status,
        description: "only shipments in this status (default requested)",
      },
    },
    ok: {
      200: {
        description: "a page of shipments",
        schema: z.object({ shipments: z.array(shipment), nextCursor }),
      },
    },
  },
  "get-backorder-report": {
    summary: "The backorder book per SKU: waiting lines, aging, inbound, shortfall (paged)",
    query: paged,
    ok: {
      200: {
        description:
          "a page of SKUs with lines waiting (JSON; CSV with a header line for Accept: text/csv, the next page's cursor in X-Next-Cursor)",
        schema: z.object({
          skus: z.array(
            z.object({
              sku: z.string(),
              name: z.string(),
              waitingLines: z.number().int(),
              waitingQty: z.number().int(),
              oldestWaitingDays: z.number().int(),
              aging: z.object({
                "0-7": z.number().int(),
                "8-14": z.number().int(),
                "15-30": z.number().int(),
                "31+": z.number().int(),
              }),
              inboundQty: z.number().int(),
              nextEta: day.nullable(),
              shortfall: z.number().int(),
              backorderLimit: z.number().int().nullable(),
              limitUsed: z.number().int(),
            }),
          ),
          nextCursor,
        }),
      },
    },
  },
  "get-promise-report": {
    summary:
      "How often promises were kept: on time, late by tier, cancelled by reason, days to ship",
    query: {
      from: { schema: z.iso.date(), description: "first day (default: 30 days before `to`)" },
      to: {
        schema: z.iso.date(),
        description: "last day (default: today); a span of at most 366 days",
      },
    },
    ok: {
      200: {
        description:
          "per SKU and in total (JSON; CSV for Accept: text/csv, a row per SKU and the total as `*`)",
        schema: z.object({
          from: day,
          to: day,
          total: promiseFigures,
          skus: z.array(promiseFigures.extend({ sku: z.string() })),
        }),
      },
    },
  },
  "post-shipment-shipped": {
    summary: "The shipment left with a carrier",
    body: shippedBody,
    ok: { 200: { description: "shipped", schema: shipment } },
    refusals: { 409: "the shipment cannot ship (cancelled, or not requested)" },
  },
  "post-shipment-delivered": {
    summary: "The shipment was delivered",
    ok: { 200: { description: "delivered", schema: shipment } },
    refusals: { 409: "the shipment has not shipped" },
  },
  "get-customer-order": {
    summary: "The customer's order page (JSON; HTML for browsers)",
    query: {
      action: {
        schema: z.enum(["cancel", "consent", "substitute"]),
        description: "open the page on this action of `lineId`",
      },
      lineId: { schema: z.string(), description: "the line the action is for" },
      sku: { schema: z.string(), description: "the substitute offered" },
    },
    ok: { 200: { description: "the order as its customer sees it", schema: customerOrder } },
  },
  "customer-cancel-line": {
    summary: "The customer cancels a line from the email's link",
    ok: { 200: { description: "cancelled", schema: cancelled } },
    refusals: { 409: "the line has shipped" },
  },
  "post-consent": {
    summary: "The customer keeps waiting for a delayed line (FTC consent)",
    ok: {
      200: {
        description: "consent recorded",
        schema: z.object({
          lineId: z.string(),
          status: z.enum(LINE_STATUSES),
          promisedBy: day,
          consentedUntil: day.nullable(),
        }),
      },
    },
    refusals: { 409: "no consent was asked, or the line is not waiting" },
  },
  "post-substitute": {
    summary: "The customer takes a substitute instead of waiting",
    body: substituteBody,
    ok: { 200: { description: "the lines sold instead", schema: z.object({}).loose() } },
    refusals: { 409: "the substitute cannot be sold now", 422: "not a substitute of this item" },
  },
  "post-payment-method": {
    summary: "The customer gives a new payment method for declined lines",
    body: paymentMethodBody,
    ok: { 200: { description: "the charge is tried again", schema: z.object({}).loose() } },
    refusals: { 409: "no line waits for a payment method" },
  },
};

const SECURITY: Record<Exclude<Role, "public">, Record<string, unknown>> = {
  storefront: {
    type: "http",
    scheme: "bearer",
    description: "The storefront's API key: `Authorization: Bearer <key>`",
  },
  warehouse: {
    type: "http",
    scheme: "bearer",
    description: "The warehouse's API key: `Authorization: Bearer <key>`",
  },
  customer: {
    type: "apiKey",
    in: "query",
    name: "token",
    description: "The signed, expiring token of one order, from the customer's emails",
  },
  supplier: {
    type: "apiKey",
    in: "header",
    name: "webhook-signature",
    description:
      "Standard Webhooks signature with the supplier's secret (webhook-id, webhook-timestamp, webhook-signature)",
  },
};

const json = (schema: z.ZodType, io: "input" | "output" = "output") => {
  const { $schema: _dialect, ...rest } = z.toJSONSchema(schema, {
    io,
    unrepresentable: "any",
  }) as Record<string, unknown>;
  return rest;
};

const problemAnswer = (description: string) => ({
  description,
  content: { "application/problem+json": { schema: { $ref: "#/components/schemas/Problem" } } },
});

/** A route's query or header parameters as OpenAPI describes them. */
function parametersIn(where: "query" | "header", params: Operation["query"]) {
  return Object.entries(params ?? {}).map(([name, p]) => ({
    name,
    in: where,
    required: p.required ?? false,
    description: p.description,
    schema: json(p.schema, "input"),
  }));
}

/** The gateway's own refusal past a route's rate (ROUTE_THROTTLES): no function ran. */
function tooManyRequests(route: Pick<Route, "auth">) {
  const { perSecond, burst } = ROUTE_THROTTLES[route.auth];
  return {
    description:
      `past the route's rate (${perSecond} requests a second, a burst of ${burst}): ` +
      "API Gateway's own answer, before anything ran; retry after a backoff",
    content: {
      "application/json": {
        schema: {
          type: "object",
          properties: { message: { const: "Too Many Requests" } },
          required: ["message"],
        },
      },
    },
  };
}

function operationOf(route: Route): Record<string, unknown> {
  const op = OPERATIONS[route.fn];
  if (!op) throw new Error(`no OpenAPI description for ${route.fn}`);
  const pathParams = [...route.path.matchAll(/\{(\w+)\}/g)].map((m) => m[1] as string);
  const parameters: Record<string, unknown>[] = [
    ...pathParams.map((name) => ({ name, in: "path", required: true, schema: { type: "string" } })),
    ...parametersIn("query", op.query),
    ...parametersIn("header", op.headers),
  ];
  const responses: Record<string, unknown> = {};
  for (const [status, answer] of Object.entries(op.ok)) {
    responses[status] = {
      description: answer.description,
      content: { [answer.type ?? "application/json"]: { schema: json(answer.schema) } },
    };
  }
  if (op.body || op.query || op.headers || pathParams.length > 0) {
    responses["400"] = problemAnswer("malformed: the body, a parameter or a header is invalid");
  }
  if (route.auth !== "public") {
    responses["401"] = problemAnswer("missing or invalid credential");
    responses["403"] = problemAnswer("a valid credential for another role or resource");
  }
  if (pathParams.length > 0) responses["404"] = problemAnswer("no such resource");
  for (const [status, description] of Object.entries(op.refusals ?? {})) {
    responses[status] = problemAnswer(description);
  }
  responses["429"] = tooManyRequests(route);
  // A function serving several routes names each operation by its path parameters.
  const shared = ROUTES.filter((r) => r.fn === route.fn).length > 1;
  return {
    operationId: shared ? `${route.fn}-${pathParams.join("-") || "index"}` : route.fn,
    summary: op.summary,
    tags: [route.auth],
    ...(route.auth === "public" ? { security: [] } : { security: [{ [route.auth]: [] }] }),
    ...(parameters.length > 0 ? { parameters } : {}),
    ...(op.body
      ? {
          requestBody: {
            required: true,
            content: { "application/json": { schema: json(op.body, "input") } },
          },
        }
      : {}),
    responses,
  };
}

/** The OpenAPI 3.1 document of every route in the route table. */
export function openApiDocument(serverUrl?: string): Record<string, unknown> {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const route of ROUTES) {
    if (route.fn === "get-openapi") continue;
    paths[route.path] ??= {};
    (paths[route.path] as Record<string, unknown>)[route.method.toLowerCase()] = operationOf(route);
  }
  paths["/openapi.json"] = {
    get: {
      operationId: "get-openapi",
      summary: "This document",
      tags: ["public"],
      security: [],
      responses: {
        "200": {
          description: "the OpenAPI 3.1 document",
          content: { "application/json": { schema: { type: "object" } } },
        },
        "429": tooManyRequests({ auth: "public" }),
      },
    },
  };
  return {
    openapi: "3.1.0",
    info: {
      title: "Backorder engine API",
      version: "1.0.0",
      description:
        "Take orders for items out of stock, wait for supply, fill the oldest first, charge, ship and keep the customer informed. Money is integer minor units of an ISO 4217 currency; dates are ISO 8601. Errors are RFC 9457 problem details. Lists are paged with `limit` and `cursor`.",
    },
    ...(serverUrl ? { servers: [{ url: serverUrl }] } : {}),
    paths,
    components: {
      schemas: { Problem: json(problem) },
      securitySchemes: SECURITY,
    },
  };
}
