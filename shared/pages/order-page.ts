import { splitPartsOf } from "../domain/allocation.ts";
import { isCancellable } from "../domain/line-states.ts";
import type { Line, Order } from "../domain/model.ts";
import { orderStatusOf } from "../domain/model.ts";
import { escapeHtml, formatMoney } from "../emails/render.ts";

/** The order as its customer sees it: no payment references, no internal fields. */
export function customerOrderView(order: Order, lines: readonly Line[]) {
  return {
    orderId: order.orderId,
    orderRef: order.orderRef,
    status: orderStatusOf(lines),
    createdAt: order.createdAt,
    currency: order.currency,
    shippingAddress: order.shippingAddress,
    lines: lines.map((l) => ({
      lineId: l.lineId,
      lineRef: l.lineRef,
      sku: l.sku,
      qty: l.qty,
      unitPrice: l.unitPrice,
      status: l.status,
      eta: l.eta,
      promisedBy: l.promisedBy,
      shipmentId: l.shipmentId ?? null,
      carrier: l.carrier ?? null,
      trackingNumber: l.trackingNumber ?? null,
      refund: l.refund ? { amount: l.refund.amount, currency: l.refund.currency } : null,
      // A line split since is cancelled through its part still waiting (contract §9).
      canCancel: isCancellable(l.status) && splitPartsOf(lines, l.lineId).length === 0,
      /** The day by which the customer must confirm to keep waiting (FTC rule), if asked. */
      consentBy:
        l.status === "backordered" && l.consentBy && l.consentedFor !== l.consentBy
          ? l.consentBy
          : null,
    })),
  };
}

const STATUS_TEXT: Record<string, string> = {
  backordered: "On backorder",
  allocated: "Reserved for you",
  awaiting_payment: "Waiting for a new payment method",
  charged: "Paid, being packed",
  shipment_requested: "Paid, being packed",
  shipped: "Shipped",
  delivered: "Delivered",
  cancelled: "Cancelled",
};

/**
 * The customer's order page (HTML for browsers). Its buttons call the same signed routes
 * with the page's token; `action=cancel&lineId=…` (the cancel link of an email) opens the
 * page on that line's confirmation.
 */
export function orderPageHtml(
  view: ReturnType<typeof customerOrderView>,
  options: { token: string; cancelLineId?: string },
): string {
  const token = encodeURIComponent(options.token);
  const base = `/v1/customer/orders/${encodeURIComponent(view.orderId)}`;
  const rows = view.lines
    .map((l) => {
      const when =
        l.status === "backordered"
          ? `ships by ${escapeHtml(l.promisedBy)}${l.eta ? `, expected ${escapeHtml(l.eta)}` : ""}`
          : l.trackingNumber
            ? `${escapeHtml(l.carrier ?? "")} ${escapeHtml(l.trackingNumber)}`
            : "";
      const confirm = options.cancelLineId === l.lineId && l.canCancel;
      const cancel = l.canCancel
        ? `<button data-post="${escapeHtml(`${base}/lines/${encodeURIComponent(l.lineId)}/cancel?token=${token}`)}"${
            confirm ? ' class="confirm" autofocus' : ""
          }>${confirm ? "Yes, cancel this item" : "Cancel"}</button>`
        : "";
      const consent = l.consentBy
        ? `<button data-post="${escapeHtml(`${base}/lines/${encodeURIComponent(l.lineId)}/consent?token=${token}`)}">Keep waiting (confirm by ${escapeHtml(l.consentBy)})</button> `
        : "";
      return `<tr id="line-${escapeHtml(l.lineId)}"><td>${l.qty} &times; ${escapeHtml(l.sku)}</td><td>${formatMoney(
        l.unitPrice * l.qty,
        view.currency,
      )}</td><td>${escapeHtml(STATUS_TEXT[l.status] ?? l.status)}</td><td>${when}</td><td>${consent}${cancel}</td></tr>`;
    })
    .join("");
  const awaiting = view.lines.some((l) => l.status === "awaiting_payment");
  const payment = awaiting
    ? `<form id="payment" data-post="${escapeHtml(`${base}/payment-method?token=${token}`)}"><label>New payment method <input name="paymentMethodRef" required></label> <button>Pay</button></form>`
    : "";
  const banner = options.cancelLineId
    ? '<p class="notice">Do you want to cancel the highlighted item? Press the button on its line to confirm.</p>'
    : "";
  return [
    "<!doctype html><html lang=en><head><meta charset=utf-8>",
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    `<title>Order ${escapeHtml(view.orderRef)}</title>`,
    "<style>body{font-family:system-ui,sans-serif;max-width:48rem;margin:2rem auto;padding:0 1rem}table{border-collapse:collapse;width:100%}td{padding:.4rem;border-bottom:1px solid #ddd}.confirm{background:#b00;color:#fff}.notice{background:#fff3cd;padding:.6rem}</style>",
    "</head><body>",
    `<h1>Order ${escapeHtml(view.orderRef)}</h1>`,
    `<p>Status: ${escapeHtml(view.status)}</p>`,
    banner,
    `<table>${rows}</table>`,
    payment,
    "<p id=result></p>",
    `<script>
document.querySelectorAll("button[data-post]").forEach((b) => b.addEventListener("click", async () => {
  const res = await fetch(b.dataset.post, { method: "POST" });
  document.getElementById("result").textContent = res.ok ? "Done." : (await res.json()).detail;
  if (res.ok) setTimeout(() => location.reload(), 800);
}));
const form = document.getElementById("payment");
if (form) form.addEventListener("submit", async (e) => {
  e.preventDefault();
  const res = await fetch(form.dataset.post, { method: "POST", headers: { "content-type": "application/json" },
    body: JSON.stringify({ paymentMethodRef: new FormData(form).get("paymentMethodRef") }) });
  document.getElementById("result").textContent = res.ok ? "Thank you: we are charging it now." : (await res.json()).detail;
});
</script>`,
    "</body></html>",
  ].join("");
}
