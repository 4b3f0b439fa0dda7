import { putAway } from "../domain/allocation.ts";
import { toIsoDate } from "../domain/dates.ts";
import { type Inbound, inboundEta } from "../domain/inbound.ts";
import {
  available,
  type Line,
  type Order,
  orderStatusOf,
  qtyBySku,
  type Shipment,
  type Sku,
} from "../domain/model.ts";
import type { Notification } from "../domain/notifications.ts";
import { nextEtaOf } from "../domain/order-intake.ts";
import type { ReceiptAllocation, ReceiptRecord } from "../ports/allocation.ts";
import type { Page } from "../ports/paging.ts";
import type { Cancelled } from "../services/cancel.ts";
import type { LineTimeline } from "../services/lookup.ts";

/** The SKU as the API shows it (contract §4), with what suppliers have on its way. */
export function skuView(sku: Sku, now: Date, inbound: readonly Inbound[] = []) {
  return {
    sku: sku.sku,
    name: sku.name,
    onHand: sku.onHand,
    allocated: sku.allocated,
    available: available(sku),
    backorderedQty: sku.backorderedQty,
    backorder: sku.backorder,
    substitutes: sku.substitutes,
    inbound: inbound.map(({ asnId, qty, estimatedDeliveryAt }) => ({
      asnId,
      qty,
      estimatedDeliveryAt,
    })),
    nextEta: nextEtaOf(sku, inboundEta(inbound, sku.backorderedQty), toIsoDate(now)),
    updatedAt: sku.updatedAt,
  };
}

/** A line as `POST /v1/orders` answers it. */
export function createdLineView(line: Line) {
  return {
    lineId: line.lineId,
    lineRef: line.lineRef,
    sku: line.sku,
    qty: line.qty,
    status: line.status,
    eta: line.eta,
    promisedBy: line.promisedBy,
  };
}

/** The answer of `POST /v1/orders` (contract §5). */
export function createdOrderView(order: Order, lines: readonly Line[]) {
  return {
    orderId: order.orderId,
    orderRef: order.orderRef,
    status: orderStatusOf(lines),
    lines: lines.map(createdLineView),
  };
}

/** `GET /v1/orders/{orderId}`: the order with every line's state and history. */
export function orderView(order: Order, lines: readonly Line[]) {
  return {
    orderId: order.orderId,
    orderRef: order.orderRef,
    status: orderStatusOf(lines),
    createdAt: order.createdAt,
    customer: order.customer,
    shippingAddress: order.shippingAddress,
    splitPolicy: order.splitPolicy,
    ...(order.maxShipments !== undefined ? { maxShipments: order.maxShipments } : {}),
    currency: order.currency,
    payment: { provider: order.payment.provider, customerRef: order.payment.customerRef },
    lines: lines.map((line) => ({
      ...createdLineView(line),
      unitPrice: line.unitPrice,
      shipmentId: line.shipmentId ?? null,
      trackingNumber: line.trackingNumber ?? null,
      history: line.history,
    })),
  };
}

/** An order as `GET /v1/orders` lists it (what the search found; its lines are on its page). */
export function orderSummaryView(order: Order) {
  return {
    orderId: order.orderId,
    orderRef: order.orderRef,
    createdAt: order.createdAt,
    customer: { email: order.customer.email, name: order.customer.name },
    currency: order.currency,
  };
}

/** `GET /v1/orders/{orderId}/lines/{lineId}/timeline`: the line, and what happened to it. */
export function timelineView({ order, line, events, runsOmitted, truncated }: LineTimeline) {
  return {
    orderId: order.orderId,
    orderRef: order.orderRef,
    customer: { email: order.customer.email, name: order.customer.name },
    line: {
      ...createdLineView(line),
      name: line.name ?? null,
      unitPrice: line.unitPrice,
      currency: line.currency,
      firstPromisedBy: line.firstPromisedBy ?? line.promisedBy,
      delays: line.delays ?? 0,
      cancelReason: line.cancelReason ?? null,
      shipmentId: line.shipmentId ?? null,
      carrier: line.carrier ?? null,
      trackingNumber: line.trackingNumber ?? null,
      splitFrom: line.splitFrom ?? null,
      executionRestarts: line.executionRestarts ?? 0,
    },
    events,
    runsOmitted,
    truncated,
  };
}

/**
 * `GET /v1/orders/{orderId}/notifications`: a page of the emails sent, in order (contract
 * §5), and the cursor of the next; the emails of the page the provider refused are listed
 * apart, under `failed` (only when there are some), for the operator, with the sends tried.
 */
export function notificationsView(page: Page<Notification>) {
  const notifications = page.items;
  const entry = (n: Notification) => ({
    kind: n.kind,
    to: n.to,
    subject: n.subject,
    sentAt: n.sentAt,
    lineIds: n.lineIds,
  });
  // With the sends tried, for the operator.
  const failed = notifications
    .filter((n) => n.state === "failed")
    .map((n) => ({ ...entry(n), ...(n.attempts === undefined ? {} : { attempts: n.attempts }) }));
  return {
    notifications: notifications.filter((n) => n.state !== "failed").map(entry),
    // Present only when an email failed, so the answer is the contract's otherwise.
    ...(failed.length > 0 ? { failed } : {}),
    nextCursor: page.next,
  };
}

/** A shipment as the warehouse sees it (contract §6). */
export function shipmentView(shipment: Shipment) {
  return {
    shipmentId: shipment.shipmentId,
    orderId: shipment.orderId,
    status: shipment.status,
    lines: Object.entries(shipment.lines).map(([lineId, { sku, qty }]) => ({ lineId, sku, qty })),
    shippingAddress: shipment.shippingAddress,
    carrier: shipment.carrier ?? null,
    trackingNumber: shipment.trackingNumber ?? null,
  };
}

/** `GET /v1/shipments`: a page of shipments and the cursor of the next (contract §2, §6). */
export function shipmentsView(page: Page<Shipment>) {
  return { shipments: page.items.map(shipmentView), nextCursor: page.next };
}

/** `POST /v1/receipts` answer: the cross-dock list and what is left to put away. */
export function receiptView(receipt: ReceiptRecord) {
  const received = qtyBySku(receipt.lines);
  const allocated = qtyBySku(receipt.allocations);
  return {
    receiptId: receipt.receiptId,
    status: receipt.done ? "done" : "processing",
    allocations: receipt.allocations.map(({ lineId, orderId, sku, qty }) => ({
      lineId,
      orderId,
      sku,
      qty,
    })),
    putAway: [...received]
      .map(([sku, qty]) => ({ sku, qty: putAway(qty, allocated.get(sku) ?? 0) }))
      .filter((p) => p.qty > 0),
  };
}

/**
 * `GET /v1/receipts/{id}`: the receipt's status, a page of its cross-dock list, and what
 * is left to put away (what it has not given to waiting lines; final once done).
 */
export function receiptPageView(page: {
  receipt: ReceiptRecord;
  allocations: ReceiptAllocation[];
  next: string | null;
}) {
  const { receipt } = page;
  return {
    receiptId: receipt.receiptId,
    status: receipt.done ? "done" : "processing",
    allocations: page.allocations.map(({ lineId, orderId, sku, qty }) => ({
      lineId,
      orderId,
      sku,
      qty,
    })),
    putAway: Object.entries(receipt.unitsLeft ?? {})
      .map(([sku, qty]) => ({ sku, qty }))
      .filter((p) => p.qty > 0),
    nextCursor: page.next,
  };
}

/** The answer to a line cancel (contract §5, §9), whoever asked for it. */
export function cancelledView({ line, refund }: Cancelled) {
  return { lineId: line.lineId, status: line.status, refund };
}
