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
  /** Link to cancel one line; emails about waiting lines offer it. */
  cancelUrl?: (lineId: string) => string;
  /** Link to consent to keep waiting (FTC rule), when a delay notice asks for it. */
  consentUrl?: (lineId: string) => string;
  /** What a delay notice says: how late, the remedies of its tier, a consent it needs. */
  delay?: {
    tier: "apology" | "substitutes_shipping_discount" | "substitutes_future_discount";
    revised: string | null;
    substitutes: string[];
    consentBy: string | null;
  };
}

/** Kinds about lines still waiting, whose customer may rather cancel. */
const OFFERS_CANCEL: ReadonlySet<NotificationKind> = new Set([
  "backordered",
  "eta_updated",
  "delay_notice",
  "check_in",
]);

export function escapeHtml(value: string): string {
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
        intro:
          "These items are on backorder. We will ship them as soon as they arrive, by the date shown. If you would rather not wait, you can cancel them.",
      };
    case "delay_notice": {
      const revised = ctx.delay ? ctx.delay.revised : (ctx.lines.find((l) => l.eta)?.eta ?? null);
      const parts = [
        revised
          ? `We are sorry: these items will not ship by the date we promised. The new date is ${revised}.`
          : "We are sorry: these items will not ship by the date we promised. The new date is unknown for now; we will write as soon as we know it.",
      ];
      const delay = ctx.delay;
      if (delay && delay.tier !== "apology") {
        if (delay.substitutes.length > 0) {
          parts.push(
            `If you would rather not wait, these similar items are available: ${delay.substitutes.join(", ")}.`,
          );
        }
        parts.push(
          delay.tier === "substitutes_shipping_discount"
            ? "We will ship these items with discounted shipping."
            : "We will give you a discount on your next purchase.",
        );
      }
      if (delay?.consentBy) {
        parts.push(
          `To keep these items on order, please confirm by ${delay.consentBy} from your order page. Without your confirmation we will cancel them then, and you will not be charged for them.`,
        );
      } else {
        parts.push("You can cancel them from your order page.");
      }
      return { subject: `Order ${ref} is delayed`, intro: parts.join(" ") };
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
    case "shipped": {
      const shipped = ctx.lines.find((l) => l.trackingNumber);
      const tracking = shipped
        ? ` with ${shipped.carrier ?? "the carrier"}, tracking number ${shipped.trackingNumber}`
        : "";
      return {
        subject: `Order ${ref} has shipped`,
        intro: `These items are on their way${tracking}.`,
      };
    }
    case "delivered":
      return {
        subject: `Order ${ref} was delivered`,
        intro: "These items were delivered. Thank you for your patience and your order.",
      };
    case "cancelled": {
      const refunded = ctx.lines.reduce((sum, l) => sum + (l.refund?.amount ?? 0), 0);
      return {
        subject: `Items in order ${ref} were cancelled`,
        intro: `These items were cancelled.${
          refunded > 0
            ? ` We refunded ${formatMoney(refunded, ctx.order.currency)} to your payment method.`
            : " You were not charged for them."
        }`,
      };
    }
    case "eta_updated":
      return {
        subject: `New delivery date for order ${ref}`,
        intro: "We have news from our supplier: the expected dates of these items are below.",
      };
  }
}

/** Renders an email as subject, HTML and plain text, each with a link to the order page. */
export function renderEmail(kind: NotificationKind, ctx: EmailContext): EmailContent {
  const { subject, intro } = bodyFor(kind, ctx);
  const cancelUrl = OFFERS_CANCEL.has(kind) ? ctx.cancelUrl : undefined;
  const rows = ctx.lines.map((l) => {
    const dates = [
      l.status === "backordered" ? `ships by ${l.promisedBy}` : "",
      l.eta ? `expected ${l.eta}` : "",
    ].filter(Boolean);
    const when = dates.length ? `, ${dates.join(", ")}` : "";
    const cancel = cancelUrl?.(l.lineId);
    const consent = ctx.delay?.consentBy ? ctx.consentUrl?.(l.lineId) : undefined;
    return {
      text: `- ${l.qty} x ${l.sku} (line ${l.lineRef})${when}${consent ? `\n  Keep waiting: ${consent}` : ""}${
        cancel ? `\n  Cancel: ${cancel}` : ""
      }`,
      html: `<li>${l.qty} &times; ${escapeHtml(l.sku)} (line ${escapeHtml(l.lineRef)})${escapeHtml(when)}${
        consent ? ` &ndash; <a href="${escapeHtml(consent)}">keep waiting</a>` : ""
      }${cancel ? ` &ndash; <a href="${escapeHtml(cancel)}">cancel</a>` : ""}</li>`,
    };
  });
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
