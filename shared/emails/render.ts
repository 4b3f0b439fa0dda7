import type { Line, Order } from "../domain/model.ts";
import type { NotificationKind } from "../domain/notifications.ts";

export interface EmailContent {
  subject: string;
  html: string;
  text: string;
}

export interface EmailContext {
  order: Order;
  lines: Line[];
  /** Link to the customer's order page. */
  orderUrl: string;
}

function escapeHtml(value: string): string {
  return value.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

export function formatMoney(amount: number, currency: string): string {
  return new Intl.NumberFormat("en-US", { style: "currency", currency }).format(amount / 100);
}

interface Body {
  subject: string;
  intro: string;
}

function bodyFor(kind: NotificationKind, ctx: EmailContext): Body {
  const ref = ctx.order.orderRef;
  switch (kind) {
    case "charged": {
      const total = ctx.lines.reduce((sum, l) => sum + (l.charge?.amount ?? 0), 0);
      return {
        subject: `Payment received for order ${ref}`,
        intro: `We charged ${formatMoney(total, ctx.order.currency)} for the items below. They are ready to ship.`,
      };
    }
    case "backordered":
      return {
        subject: `Some items in order ${ref} are on backorder`,
        intro: "These items are on backorder. We will ship them as soon as they arrive.",
      };
    case "delay_notice": {
      const eta = ctx.lines.find((l) => l.eta)?.eta;
      return {
        subject: `Order ${ref} is delayed`,
        intro: `We are sorry: these items will not ship by the date we promised. The new date is ${
          eta ?? "not known yet"
        }. You can cancel them from your order page.`,
      };
    }
    case "check_in":
      return {
        subject: `Still waiting on order ${ref}`,
        intro:
          "We have not forgotten these items: they are still on backorder and we will write as soon as we know more.",
      };
    case "payment_failed":
      return {
        subject: `Payment for order ${ref} did not go through`,
        intro:
          "Your items are ready, but your payment method was declined. Update it from your order page so we can ship them.",
      };
    default:
      return { subject: `An update on order ${ref}`, intro: "There is news about your order." };
  }
}

/** Renders an email as subject, HTML and plain text, each with a link to the order page. */
export function renderEmail(kind: NotificationKind, ctx: EmailContext): EmailContent {
  const { subject, intro } = bodyFor(kind, ctx);
  const rows = ctx.lines.map((l) => ({
    text: `- ${l.qty} x ${l.sku} (line ${l.lineRef})${l.eta ? `, expected ${l.eta}` : ""}`,
    html: `<li>${l.qty} &times; ${escapeHtml(l.sku)} (line ${escapeHtml(l.lineRef)})${
      l.eta ? `, expected ${escapeHtml(l.eta)}` : ""
    }</li>`,
  }));
  const name = ctx.order.customer.name;
  const text = [
    `Hello ${name},`,
    "",
    intro,
    "",
    ...rows.map((r) => r.text),
    "",
    `Your order: ${ctx.orderUrl}`,
  ].join("\n");
  const html = [
    "<!doctype html><html><body>",
    `<p>Hello ${escapeHtml(name)},</p>`,
    `<p>${escapeHtml(intro)}</p>`,
    `<ul>${rows.map((r) => r.html).join("")}</ul>`,
    `<p><a href="${escapeHtml(ctx.orderUrl)}">View your order ${escapeHtml(ctx.order.orderRef)}</a></p>`,
    "</body></html>",
  ].join("");
  return { subject, html, text };
}
