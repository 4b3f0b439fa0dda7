import { createHash } from "node:crypto";
import { monotonicFactory } from "ulid";
import { toIsoDate } from "../domain/dates.ts";
import { type Inbound, inboundEta } from "../domain/inbound.ts";
import type { Line, Order, Sku } from "../domain/model.ts";
import { notificationKey } from "../domain/notifications.ts";
import {
  type PlannedLine,
  planOrder,
  type Shortage,
  type SkuSnapshot,
} from "../domain/order-intake.ts";
import type { PostOrderBody } from "../http/schemas.ts";
import { createdOrderView } from "../http/views.ts";
import { logger } from "../logger.ts";
import type { Clock } from "../ports/clock.ts";
import type { IdempotencyRecord, Store } from "../ports/store.ts";
import type { LineRun, LineWorkflow } from "../ports/workflow.ts";
import { type NotifyDeps, notifyCustomer } from "./notify.ts";

/** Idempotency keys of order intake live in their own scope. */
export const ORDER_IDEMPOTENCY_SCOPE = "orders";

/** Times intake plans again after a SKU moved under it, before answering 500 (retry). */
const MAX_PLAN_ATTEMPTS = 10;

export interface PlaceOrderDeps {
  store: Store;
  workflow: LineWorkflow;
  notify: NotifyDeps;
  clock: Clock;
  idempotencyTtlDays: number;
  /** What suppliers have on its way for a SKU (for the promised dates of backorders). */
  inbound: (sku: string) => Promise<Inbound[]>;
  /** Whether orders may name this payment provider here (its credentials are configured). */
  paymentProviderAvailable: (provider: PostOrderBody["payment"]["provider"]) => Promise<boolean>;
}

export type PlaceOrderResult =
  | { outcome: "created" | "replayed"; status: number; body: unknown }
  | { outcome: "idempotency-key-reused" }
  | { outcome: "unknown-sku"; skus: string[] }
  | { outcome: "payment-provider-unavailable"; provider: string }
  | { outcome: "insufficient-stock"; shortages: Shortage[] };

const nextUlid = monotonicFactory();

/** JSON with object keys sorted, so equal bodies hash equally whatever their key order. */
function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(",")}]`;
  if (value !== null && typeof value === "object") {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(",")}}`;
  }
  return JSON.stringify(value);
}

export function requestHash(body: unknown): string {
  return createHash("sha256").update(canonicalJson(body)).digest("hex");
}

/** Lines the order put on backorder at intake: the `backordered` email is about them. */
export function backorderedAtIntake(lines: readonly Line[]): Line[] {
  return lines.filter((l) => l.history[0]?.status === "backordered");
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
 */
export async function placeOrder(
  deps: PlaceOrderDeps,
  key: string,
  request: PostOrderBody,
): Promise<PlaceOrderResult> {
  const hash = requestHash(request);
  if (!(await deps.paymentProviderAvailable(request.payment.provider))) {
    return { outcome: "payment-provider-unavailable", provider: request.payment.provider };
  }
  for (let attempt = 1; ; attempt++) {
    // Read on every attempt: a concurrent request with this key may have placed the order.
    const existing = await deps.store.getIdempotency(ORDER_IDEMPOTENCY_SCOPE, key);
    if (existing) return replay(deps, existing, hash);

    const now = deps.clock.now();
    const today = toIsoDate(now);
    const skuCodes = [...new Set(request.lines.map((l) => l.sku))];
    const [skus, inbound] = await Promise.all([
      deps.store.getSkus(skuCodes),
      Promise.all(skuCodes.map(async (sku) => [sku, await deps.inbound(sku)] as const)),
    ]);
    const inboundOf = new Map(inbound);
    const stock = new Map<string, SkuSnapshot>(
      [...skus.values()].map((s) => [s.sku, snapshotOf(s, inboundOf.get(s.sku) ?? [])]),
    );
    const plan = planOrder(request.lines, stock, today);
    if (!plan.ok) {
      // The stock may be gone because this very key's first call took it.
      const placed = await deps.store.getIdempotency(ORDER_IDEMPOTENCY_SCOPE, key);
      if (placed) return replay(deps, placed, hash);
      return plan.reason === "unknown-sku"
        ? { outcome: "unknown-sku", skus: plan.skus }
        : { outcome: "insufficient-stock", shortages: plan.shortages };
    }

    const { order, lines } = buildOrder(request, plan.lines, now);
    const body = createdOrderView(order, lines);
    const outcome = await deps.store.createOrder({
      order,
      lines,
      stock: plan.deltas.map((d) => ({ ...d, limit: skus.get(d.sku)?.backorder.limit })),
      idempotency: {
        scope: ORDER_IDEMPOTENCY_SCOPE,
        key,
        requestHash: hash,
        orderId: order.orderId,
        response: { status: 201, body },
        createdAt: now.toISOString(),
        expiresAt: Math.floor(now.getTime() / 1000) + deps.idempotencyTtlDays * 86_400,
      },
    });
    if (outcome === "created") {
      await followUp(deps, key, order, lines);
      return { outcome: "created", status: 201, body };
    }
    // A request with the same key won: the top of the loop replays its answer.
    if (outcome === "idempotency-key-taken") continue;
    if (attempt >= MAX_PLAN_ATTEMPTS) {
      throw new Error(`order intake: stock kept changing, gave up after ${attempt} attempts`);
    }
    logger.info("stock changed while placing the order; planning again", { attempt });
    await new Promise((r) => setTimeout(r, Math.random() * 10 * 2 ** attempt));
  }
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
  const pending = await deps.store.pendingFollowUps(ORDER_IDEMPOTENCY_SCOPE, before);
  let finished = 0;
  for (const record of pending) {
    try {
      await finishFollowUp(deps, record);
      finished++;
    } catch (error) {
      logger.error("could not finish an order's follow-up", {
        orderId: record.orderId,
        error: error instanceof Error ? error.message : String(error),
      });
    }
  }
  return finished;
}

async function finishFollowUp(deps: PlaceOrderDeps, record: IdempotencyRecord): Promise<void> {
  const [order, lines] = await Promise.all([
    deps.store.getOrder(record.orderId),
    deps.store.listLines(record.orderId),
  ]);
  if (!order) throw new Error(`order ${record.orderId} of an idempotency record is missing`);
  await followUp(deps, record.key, order, lines);
}

function buildOrder(
  request: PostOrderBody,
  planned: readonly PlannedLine[],
  now: Date,
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
  const lines = planned.map((p) => newLine(orderId, request.currency, p, now));
  return { order, lines };
}

/** A new line of an order, as planned. */
export function newLine(
  orderId: string,
  currency: string,
  p: PlannedLine,
  now: Date,
  lineId = `ln_${nextUlid(now.getTime())}`,
): Line {
  const at = now.toISOString();
  return {
    orderId,
    lineId,
    lineRef: p.lineRef,
    sku: p.sku,
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
): Promise<PlaceOrderResult> {
  if (record.requestHash !== hash) return { outcome: "idempotency-key-reused" };
  if (!record.followUpDone) await finishFollowUp(deps, record);
  return { outcome: "replayed", status: record.response.status, body: record.response.body };
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
        error: error instanceof Error ? error.message : String(error),
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
  await deps.workflow.start(runs);
  await deps.store.markIdempotencyDone(ORDER_IDEMPOTENCY_SCOPE, key);
}
