import Mustache from "mustache";
import { splitPartsOf } from "../domain/allocation.ts";
import { isCancellable } from "../domain/line-states.ts";
import type { Line, Order } from "../domain/model.ts";
import { lineAmount, orderStatusOf } from "../domain/model.ts";
import { ORDER_PAGE_HTML } from "../emails/compiled.ts";
import {
  CARRIER_TRACKING,
  escapeHtml,
  formatDay,
  formatMoney,
  trackingUrl,
} from "../emails/format.ts";
import type { ShopProfile } from "../emails/shop.ts";
import { lineDates, type OfferedSubstitute, STATUS_WORDS } from "../emails/view.ts";

/** Lines that may be asked consent to keep waiting: waiting for stock, or paid and not yet
 * shipped by the warehouse past the FTC rule's limit. */
const CONSENT_STATUSES: ReadonlySet<Line["status"]> = new Set([
  "backordered",
  "charged",
  "shipment_requested",
]);

const ORDER_STATUS_WORDS = {
  open: "In progress",
  completed: "Completed",
  cancelled: "Cancelled",
} as const;

/**
 * The order as its customer sees it (contract §9): no payment references, no internal
 * fields; each line with its status in words, its dates, tracking, a short history, and
 * exactly the actions it allows now.
 */
export function customerOrderView(
  order: Order,
  lines: readonly Line[],
  options: {
    substitutes?: ReadonlyMap<string, readonly OfferedSubstitute[]>;
    trackingPages?: Readonly<Record<string, string>>;
  } = {},
) {
  const status = orderStatusOf(lines);
  return {
    orderId: order.orderId,
    orderRef: order.orderRef,
    status,
    statusText: ORDER_STATUS_WORDS[status],
    createdAt: order.createdAt,
    currency: order.currency,
    shippingAddress: order.shippingAddress,
    lines: lines.map((l) => {
      // A line split since is cancelled through its part still waiting (contract §9).
      const canCancel = isCancellable(l.status) && splitPartsOf(lines, l.lineId).length === 0;
      const consentBy =
        CONSENT_STATUSES.has(l.status) && l.consentBy && l.consentedFor !== l.consentBy
          ? l.consentBy
          : null;
      const substitutes =
        l.status === "backordered" ? (options.substitutes?.get(l.lineId) ?? []) : [];
      return {
        lineId: l.lineId,
        lineRef: l.lineRef,
        sku: l.sku,
        name: l.name ?? l.sku,
        qty: l.qty,
        unitPrice: l.unitPrice,
        amount: lineAmount(l),
        status: l.status,
        statusText: STATUS_WORDS[l.status],
        eta: l.eta,
        promisedBy: l.promisedBy,
        firstPromisedBy: l.firstPromisedBy ?? l.promisedBy,
        dates: lineDates(l),
        shipmentId: l.shipmentId ?? null,
        carrier: l.carrier ?? null,
        trackingNumber: l.trackingNumber ?? null,
        trackingUrl: l.trackingNumber
          ? trackingUrl(l.carrier, l.trackingNumber, {
              ...CARRIER_TRACKING,
              ...options.trackingPages,
            })
          : null,
        refund: l.refund ? { amount: l.refund.amount, currency: l.refund.currency } : null,
        remedy: l.remedy ?? null,
        history: l.history.slice(-8).map((h) => ({ status: h.status, at: h.at })),
        canCancel,
        /** The day by which the customer must confirm to keep waiting (FTC rule), if asked. */
        consentBy,
        /** What the line allows now (derived from its status and the state table). */
        actions: {
          cancel: canCancel,
          keepWaiting: consentBy !== null,
          substitutes: substitutes.map((s) => ({
            sku: s.sku,
            name: s.name,
            price: lineAmount(l),
            inStock: s.available >= l.qty,
          })),
          updatePaymentMethod: l.status === "awaiting_payment",
        },
      };
    }),
  };
}

export type CustomerOrderView = ReturnType<typeof customerOrderView>;

/** What the page was opened for: an email's link to one line's action. */
export interface PageAction {
  action?: string | undefined;
  lineId?: string | undefined;
  sku?: string | undefined;
}

/**
 * The customer's order page (HTML for browsers), rendered from its template. Its buttons
 * call the same signed routes with the page's token; an email's action link
 * (`action=cancel|consent|substitute&lineId=…`) opens the page on that line, its
 * confirmation button focused.
 */
export function orderPageHtml(
  view: CustomerOrderView,
  options: { token: string; shop: ShopProfile } & PageAction,
): string {
  const token = encodeURIComponent(options.token);
  const base = `/v1/customer/orders/${encodeURIComponent(view.orderId)}`;
  const lineUrl = (lineId: string, what: string) =>
    `${base}/lines/${encodeURIComponent(lineId)}/${what}?token=${token}`;
  const target = view.lines.find((l) => l.lineId === options.lineId);
  let banner: string | null = null;
  if (target && options.action === "cancel" && target.canCancel) {
    banner = `Do you want to cancel ${target.name}? Press the red button on its line to confirm.`;
  } else if (target && options.action === "consent" && target.consentBy) {
    banner = `To keep ${target.name} on order, press "Keep waiting" on its line.`;
  } else if (target && options.action === "substitute") {
    const offered = target.actions.substitutes.find((s) => s.sku === options.sku);
    banner = offered
      ? `Do you want ${offered.name} instead of ${target.name}? Press the red button to confirm.`
      : `That item can no longer be offered instead of ${target.name}; the choices still open are on its line.`;
  }
  const money = (amount: number) => formatMoney(amount, view.currency);
  const page = {
    shop: options.shop,
    orderRef: view.orderRef,
    ordered: formatDay(view.createdAt),
    statusText: view.statusText,
    banner,
    lines: view.lines.map((l) => ({
      ...l,
      highlight: target?.lineId === l.lineId,
      isCancelled: l.status === "cancelled",
      unitPriceText: money(l.unitPrice),
      amountText: money(l.amount),
      tracking: l.trackingNumber
        ? { carrier: l.carrier ?? "Carrier", number: l.trackingNumber, url: l.trackingUrl }
        : null,
      remedyText: l.remedy
        ? l.remedy.kind === "shipping_discount"
          ? `For the delay: ${l.remedy.percent}% off the shipping of this item.`
          : `For the delay: ${l.remedy.percent}% off your next order.`
        : null,
      remedyCode: l.remedy?.code ?? null,
      refundText: l.refund ? `Refunded ${formatMoney(l.refund.amount, l.refund.currency)}` : null,
      historyText: l.history.map((h) => ({ at: formatDay(h.at), status: STATUS_WORDS[h.status] })),
      consentUrl: l.actions.keepWaiting ? lineUrl(l.lineId, "consent") : null,
      consentByText: l.consentBy ? formatDay(l.consentBy) : null,
      cancelUrl: l.actions.cancel ? lineUrl(l.lineId, "cancel") : null,
      confirmCancel: options.action === "cancel" && target?.lineId === l.lineId,
      substitutes: l.actions.substitutes.map((s) => ({
        name: s.name,
        priceText: money(s.price),
        availability: s.inStock ? "In stock, ships now" : "On backorder",
        url: lineUrl(l.lineId, "substitute"),
        body: JSON.stringify({ sku: s.sku }),
        confirm:
          options.action === "substitute" && target?.lineId === l.lineId && options.sku === s.sku,
      })),
    })),
    paymentUrl: view.lines.some((l) => l.actions.updatePaymentMethod)
      ? `${base}/payment-method?token=${token}`
      : null,
  };
  return Mustache.render(
    ORDER_PAGE_HTML,
    page,
    {},
    { escape: (value: unknown) => escapeHtml(String(value)) },
  );
}
