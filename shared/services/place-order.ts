import { createHash } from "node:crypto";
import { stringify as stableStringify } from "safe-stable-stringify";
import { monotonicFactory } from "ulid";
import { toIsoDate } from "../domain/dates.ts";
import { refusals } from "../domain/errors.ts";
import { type Inbound, inboundEta } from "../domain/inbound.ts";
import type { Line, Order, Sku } from "../domain/model.ts";
import { notificationKey } from "../domain/notifications.ts";
import {
  type OrderRequest,
  type PlannedLine,
  planOrder,
  type SkuSnapshot,
} from "../domain/order-intake.ts";
import { describeError } from "../log-redaction.ts";
import { logger } from "../logger.ts";
import type { AppPorts } from "../ports/app.ts";
import type { IdempotencyRecord } from "../ports/orders.ts";
import type { LineRun } from "../ports/workflow.ts";
import { loadOrderLine, type OrderLines } from "./lines.ts";
import { notifyCustomer, notifyOnce } from "./notify.ts";
import { RACE_LOST, retryOnRace } from "./retry.ts";

/** Idempotency keys of order intake live in their own scope. */
export const ORDER_IDEMPOTENCY_SCOPE = "orders";

export type PlaceOrderDeps = Pick<
  AppPorts,
  | "catalog"
  | "orders"
  | "supply"
  | "workflow"
  | "notify"
  | "clock"
  | "settings"
  | "paymentProviderAvailable"
  | "metrics"
>;

/** The order placed, as its first call placed it (a replay answers the same). */
export interface PlacedOrder {
  replayed: boolean;
  order: Order;
  lines: Line[];
}

const nextUlid = monotonicFactory();

export function requestHash(body: unknown): string {
  // Keys sorted, so equal bodies hash equally whatever their key order.
  return createHash("sha256")
    .update(stableStringify(body) ?? "")
    .digest("hex");
}

/** Lines the order put on backorder at intake: the `backordered` email is about them. */
export function backorderedAtIntake(lines: readonly Line[]): Line[] {
  // Not the remainders split off later (they copy their original's history) nor lines
  // added since (substitutes): the key of the email must stay what intake made it.
  const placedAt = lines.map((l) => l.createdAt).sort()[0];
  return lines.filter(
    (l) => l.history[0]?.status === "backordered" && !l.splitFrom && l.createdAt === placedAt,
  );
}

/** The event key of an order's `backordered` email, shared by the API and the workflow. */
export function backorderedEmailKey(lines: readonly Line[]): string {
  return notificationKey(
    "backordered",
    backorderedAtIntake(lines).map((l) => l.lineId),
  );
}

/**
 * `POST /v1/orders`: plans the order against consistent reads of its SKUs and writes the
 * order, its lines, the stock it takes and its idempotency record in one transaction,
 * conditioned on the SKUs still being as planned (else it plans again). Then it emails the
 * backordered lines and starts one execution per line. A replay of the same key and body
 * answers what the first call answered and finishes that call's follow-up if it was cut off.
 * Refusals (nothing written): an unknown SKU, stock that cannot serve a line, a key reused
 * with another body, a payment provider not configured here.
 */
export async function placeOrder(
  deps: PlaceOrderDeps,
  key: string,
  request: OrderRequest,
): Promise<PlacedOrder> {
  const hash = requestHash(request);
  if (!(await deps.paymentProviderAvailable(request.payment.provider))) {
    throw refusals.rejected(
      "payment-provider-unavailable",
      "Payment provider unavailable",
      `Payments through ${request.payment.provider} are not configured here.`,
    );
  }
  return retryOnRace(
    "order intake",
    async () => {
      // Read on every attempt: a concurrent request with this key may have placed the order.
      const existing = await deps.orders.getIdempotency(ORDER_IDEMPOTENCY_SCOPE, key);
      if (existing) return replay(deps, existing, hash);

      const now = deps.clock.now();
      const skuCodes = [...new Set(request.lines.map((l) => l.sku))];
      const [skus, inbound] = await Promise.all([
        deps.catalog.getSkus(skuCodes),
        Promise.all(skuCodes.map(async (sku) => [sku, await deps.supply.inbound(sku)] as const)),
      ]);
      const inboundOf = new Map(inbound);
      const stock = new Map<string, SkuSnapshot>(
        [...skus.values()].map((s) => [s.sku, snapshotOf(s, inboundOf.get(s.sku) ?? [])]),
      );
      const plan = planOrder(request.lines, stock, toIsoDate(now), {
        shipTogether:
          request.splitPolicy === "ship_complete" ||
          (request.splitPolicy === "max_shipments" && request.maxShipments === 1),
      });
      if (!plan.ok) {
        // The stock may be gone because this very key's first call took it.
        const placed = await deps.orders.getIdempotency(ORDER_IDEMPOTENCY_SCOPE, key);
        if (placed) return replay(deps, placed, hash);
        throw plan.reason === "unknown-sku"
          ? refusals.rejected(
              "unknown-sku",
              "Unknown SKU",
              `No such SKU: ${plan.skus.join(", ")}.`,
              {
                skus: plan.skus,
              },
            )
          : refusals.conflict(
              "insufficient-stock",
              "Insufficient stock",
              "Some lines cannot be sold: not enough stock, and backorders are not allowed or their limit is reached. Nothing was ordered.",
              { lines: plan.shortages },
            );
      }

      const { order, lines } = buildOrder(request, plan.lines, now, skus);
      const outcome = await deps.orders.createOrder({
        order,
        lines,
        stock: plan.deltas.map((d) => ({ ...d, limit: skus.get(d.sku)?.backorder.limit })),
        idempotency: {
          scope: ORDER_IDEMPOTENCY_SCOPE,
          key,
          requestHash: hash,
          orderId: order.orderId,
          created: { order, lines },
          createdAt: now.toISOString(),
          expiresAt: Math.floor(now.getTime() / 1000) + deps.settings.idempotencyTtlDays * 86_400,
        },
      });
      if (outcome === "created") {
        deps.metrics.count(
          "LinesBackordered",
          lines.filter((l) => l.status === "backordered").length,
        );
        await followUp(deps, key, order, lines);
        return { replayed: false, order, lines };
      }
      // A request with the same key won (the next attempt replays its answer), or a SKU
      // moved since it was read (the next attempt plans again).
      if (outcome === "stock-changed") logger.info("stock changed while placing the order");
      return RACE_LOST;
    },
    { attempts: 10 },
  );
}

/**
 * Finishes orders whose follow-up (email, executions) was cut off, e.g. by a crash after
 * the write, once they are older than `graceMs` (so calls still running are left alone).
 * Runs on a schedule; returns how many it finished.
 */
export async function finishPendingOrders(
  deps: PlaceOrderDeps,
  graceMs = 2 * 60_000,
): Promise<number> {
  const before = new Date(deps.clock.now().getTime() - graceMs);
  const pending = await deps.orders.pendingFollowUps(ORDER_IDEMPOTENCY_SCOPE, before);
  let finished = 0;
  for (const record of pending) {
    try {
      await finishFollowUp(deps, record);
      finished++;
    } catch (error) {
      logger.error("could not finish an order's follow-up", {
        orderId: record.orderId,
        error: describeError(error),
      });
    }
  }
  return finished;
}

async function finishFollowUp(deps: PlaceOrderDeps, record: IdempotencyRecord): Promise<void> {
  const [order, lines] = await Promise.all([
    deps.orders.getOrder(record.orderId),
    deps.orders.listLines(record.orderId),
  ]);
  if (!order) throw new Error(`order ${record.orderId} of an idempotency record is missing`);
  await followUp(deps, record.key, order, lines);
}

function buildOrder(
  request: OrderRequest,
  planned: readonly PlannedLine[],
  now: Date,
  skus: ReadonlyMap<string, Pick<Sku, "name">>,
): { order: Order; lines: Line[] } {
  const at = now.toISOString();
  const orderId = `ord_${nextUlid(now.getTime())}`;
  const order: Order = {
    orderId,
    orderRef: request.orderRef,
    status: "open",
    customer: request.customer,
    shippingAddress: request.shippingAddress,
    splitPolicy: request.splitPolicy,
    ...(request.maxShipments !== undefined ? { maxShipments: request.maxShipments } : {}),
    payment: request.payment,
    currency: request.currency,
    createdAt: at,
  };
  const lines = planned.map((p) =>
    newLine(orderId, request.currency, { ...p, name: skus.get(p.sku)?.name }, now),
  );
  return { order, lines };
}

/** A new line of an order, as planned. */
export function newLine(
  orderId: string,
  currency: string,
  p: PlannedLine & { name?: string | undefined },
  now: Date,
  lineId = `ln_${nextUlid(now.getTime())}`,
): Line {
  const at = now.toISOString();
  return {
    orderId,
    lineId,
    lineRef: p.lineRef,
    sku: p.sku,
    ...(p.name ? { name: p.name } : {}),
    qty: p.qty,
    unitPrice: p.unitPrice,
    currency,
    status: p.status,
    eta: p.eta,
    promisedBy: p.promisedBy,
    createdAt: at,
    history: [{ status: p.status, at }],
    lastContactAt: at,
    promiseEscalated: false,
    firstPromisedBy: p.promisedBy,
    toldPromisedBy: p.promisedBy,
    delays: 0,
    // The backordered email tells the customer this date.
    notifiedEta: p.eta,
    shipmentId: null,
    trackingNumber: null,
  };
}

/** What planning needs of a SKU, from its record and its inbound notices. */
export function snapshotOf(sku: Sku, inbound: readonly Inbound[]): SkuSnapshot {
  return {
    sku: sku.sku,
    onHand: sku.onHand,
    allocated: sku.allocated,
    backorderedQty: sku.backorderedQty,
    backorder: sku.backorder,
    // The ETA of a unit behind the waiting queue, from supplier notices.
    nextEta: inboundEta(inbound, sku.backorderedQty),
    inbound,
  };
}

async function replay(
  deps: PlaceOrderDeps,
  record: IdempotencyRecord,
  hash: string,
): Promise<PlacedOrder> {
  if (record.requestHash !== hash) {
    throw refusals.rejected(
      "idempotency-key-reused",
      "Idempotency key reused",
      "This Idempotency-Key was used with a different request body. Use a new key for a new order.",
    );
  }
  if (!record.followUpDone) await finishFollowUp(deps, record);
  return { replayed: true, ...record.created };
}

/**
 * What follows the write: the backordered email (best effort here; each backordered
 * line's execution makes sure of it too) and one execution per line.
 */
async function followUp(
  deps: PlaceOrderDeps,
  key: string,
  order: Order,
  lines: readonly Line[],
): Promise<void> {
  const waiting = backorderedAtIntake(lines);
  if (waiting.length > 0) {
    try {
      await notifyCustomer(deps.notify, "backordered", order, waiting);
    } catch (error) {
      logger.warn("backordered email not sent; the line workflow will send it", {
        orderId: order.orderId,
        error: describeError(error),
      });
    }
  }
  const runs = lines.map(
    (l): LineRun => ({
      orderId: l.orderId,
      lineId: l.lineId,
      ...(waiting.includes(l) ? { notify: "backordered" as const } : {}),
    }),
  );
  try {
    await deps.workflow.start(runs);
  } catch (error) {
    // The order is placed and stays on the pending index: a retry with the same key or
    // the scheduled reconciler starts its lines. The storefront is told it is placed.
    logger.warn("line executions not started; a retry or the reconciler will start them", {
      orderId: order.orderId,
      error: describeError(error),
    });
    return;
  }
  await deps.orders.markIdempotencyDone(ORDER_IDEMPOTENCY_SCOPE, key);
}

/**
 * First task of a line backordered at intake: makes sure the order's `backordered` email
 * went out. The API sends it as it takes the order; this is the backstop if that send
 * failed or was cut off. The email is claimed per event, so it is sent once.
 */
export async function ensureBackorderedEmail(
  deps: Pick<AppPorts, "orders" | "notify">,
  orderId: string,
  lineId: string,
  read?: OrderLines,
) {
  const { order, lines } = read ?? (await loadOrderLine(deps, orderId, lineId));
  const waiting = backorderedAtIntake(lines);
  if (waiting.length === 0) return { email: "none" };
  return { email: await notifyOnce(deps.notify, "backordered", order, waiting) };
}
