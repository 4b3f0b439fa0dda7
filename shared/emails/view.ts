import type { DelayTier } from "../domain/delays.ts";
import { type Line, lineAmount, type Order, type Remedy } from "../domain/model.ts";
import type { NotificationKind } from "../domain/notifications.ts";
import { CARRIER_TRACKING, formatDay, formatMoney, trackingUrl } from "./format.ts";
import type { ShopProfile } from "./shop.ts";

/** A substitute offered in a delay notice: only SKUs that can be sold now (contract §8). */
export interface OfferedSubstitute {
  sku: string;
  name: string;
  /** Units free now (0: sold on backorder, with its own date). */
  available: number;
}

export interface EmailContext {
  order: Order;
  lines: Line[];
  shop: ShopProfile;
  /** Link to the customer's order page. */
  orderUrl: string;
  /** Link to cancel one line; emails about waiting lines offer it. */
  cancelUrl?: (lineId: string) => string;
  /** Link to consent to keep waiting (FTC rule), when a delay notice asks for it. */
  consentUrl?: (lineId: string) => string;
  /** Link to choose a substitute for a line. */
  substituteUrl?: (lineId: string, sku: string) => string;
  /** What a delay notice says: how late, the remedies of its tier, a consent it needs. */
  delay?: {
    tier: DelayTier;
    revised: string | null;
    substitutes: readonly OfferedSubstitute[];
    consentBy: string | null;
    remedy?: Remedy | null | undefined;
    /** Where the line is late: waiting for supply (the default), or paid and not yet
     * shipped by the warehouse. */
    stage?: "supply" | "warehouse" | undefined;
  };
}

interface Labelled {
  label: string;
  value: string;
}

/** A date shown in words, with its ISO form (`YYYY-MM-DD`) for machines and the text part. */
interface Dated extends Labelled {
  iso: string;
}

const dated = (label: string, day: string): Dated => ({
  label,
  value: formatDay(day),
  iso: day.slice(0, 10),
});

interface Link {
  label: string;
  url: string;
}

export interface EmailItem {
  name: string;
  sku: string;
  qty: number;
  unitPrice: string;
  amount: string;
  status: string;
  dates: Dated[];
  tracking: { carrier: string; number: string; url: string | null } | null;
  actions: Link[];
}

/** Everything a template shows: text only, escaped by the template for HTML. */
export interface EmailView {
  subject: string;
  preheader: string;
  heading: string;
  greeting: string;
  paragraphs: string[];
  notice: { title: string; paragraphs: string[]; code: string | null } | null;
  orderRef: string;
  ordered: string;
  items: EmailItem[];
  total: Labelled | null;
  substitutes: { name: string; price: string; availability: string; url: string }[];
  button: Link;
  shop: ShopProfile;
}

/** A line's status in the customer's words. */
export const STATUS_WORDS: Readonly<Record<Line["status"], string>> = {
  backordered: "On backorder",
  allocated: "Reserved for you",
  awaiting_payment: "Waiting for a new payment method",
  charged: "Paid, being packed",
  shipment_requested: "Paid, being packed",
  shipped: "On its way",
  delivered: "Delivered",
  cancelled: "Cancelled",
};

/** Kinds about lines still waiting, whose customer may rather cancel. */
const OFFERS_CANCEL: ReadonlySet<NotificationKind> = new Set([
  "backordered",
  "eta_updated",
  "delay_notice",
  "check_in",
]);

/** The day a line entered a status, from its history. */
function dayOf(line: Line, status: Line["status"]): string | null {
  const entry = [...line.history].reverse().find((h) => h.status === status);
  return entry ? entry.at : null;
}

/** The dates that matter for a line now: promised, revised, expected, shipped, delivered. */
export function lineDates(line: Line, revised?: string | null): Dated[] {
  const dates: Dated[] = [];
  const waiting = line.status === "backordered" || line.status === "awaiting_payment";
  const open = waiting || ["allocated", "charged", "shipment_requested"].includes(line.status);
  const first = line.firstPromisedBy ?? line.promisedBy;
  if (open) {
    if (first !== line.promisedBy) dates.push(dated("First promised", first));
    if (line.promisedBy !== revised) {
      dates.push(dated("Ships by", line.promisedBy));
    }
  }
  if (revised) dates.push(dated("Revised date", revised));
  if (waiting && line.eta && line.eta !== revised && line.eta !== line.promisedBy) {
    dates.push(dated("Expected from our supplier", line.eta));
  }
  const shipped = dayOf(line, "shipped");
  if (shipped) dates.push(dated("Shipped", shipped));
  const delivered = dayOf(line, "delivered");
  if (delivered) dates.push(dated("Delivered", delivered));
  const cancelled = dayOf(line, "cancelled");
  if (cancelled) dates.push(dated("Cancelled", cancelled));
  return dates;
}

function remedyText(remedy: Remedy): string {
  const what =
    remedy.kind === "shipping_discount"
      ? `${remedy.percent}% off the shipping of these items`
      : `${remedy.percent}% off your next order`;
  return remedy.code
    ? `As an apology we are giving you ${what}: use the code below at checkout.`
    : `As an apology we are giving you ${what}.`;
}

interface Copy {
  subject: string;
  heading: string;
  paragraphs: string[];
  notice?: EmailView["notice"];
  button?: Link;
}

function copyFor(kind: NotificationKind, ctx: EmailContext): Copy {
  const ref = ctx.order.orderRef;
  const money = (amount: number) => formatMoney(amount, ctx.order.currency);
  switch (kind) {
    case "backordered":
      return {
        subject: `Some items in order ${ref} are on backorder`,
        heading: "Some of your items are on backorder",
        paragraphs: [
          `Thank you for your order ${ref}. The items below are not in stock yet: we will ship them as soon as they arrive, by the date shown, and charge you only when they ship.`,
          "If you would rather not wait, you can cancel any of them, now or later.",
        ],
      };
    case "eta_updated":
      return {
        subject: `New delivery date for order ${ref}`,
        heading: "We have a new date for your items",
        paragraphs: [
          "Our supplier has told us when the items below will arrive. Their new dates are below; nothing else about your order has changed.",
        ],
      };
    case "delay_notice":
      return delayCopy(ctx);
    case "check_in":
      return {
        subject: `Still waiting on order ${ref}`,
        heading: "We have not forgotten you",
        paragraphs: [
          "The items below are still on backorder. We are watching for them and will write as soon as we know more. You have not been charged for them.",
        ],
      };
    case "charged": {
      const total = ctx.lines.reduce((sum, l) => sum + (l.charge?.amount ?? 0), 0);
      return {
        subject: `Payment received for order ${ref}`,
        heading: "Payment received",
        paragraphs: [
          `We charged ${money(total)} for the items below. They are being packed and we will write again when they ship.`,
        ],
      };
    }
    case "payment_failed":
      return {
        subject: `Payment for order ${ref} did not go through`,
        heading: "Your payment did not go through",
        paragraphs: [
          "Your items are ready to ship, but your payment method was declined. Update it from your order page and we will charge it and ship them.",
        ],
        button: { label: "Update your payment method", url: ctx.orderUrl },
      };
    case "shipped": {
      const parcel = ctx.lines.find((l) => l.trackingNumber);
      return {
        subject: `Order ${ref} has shipped`,
        heading: "Your items are on their way",
        paragraphs: [
          parcel
            ? `The items below left our warehouse with ${parcel.carrier ?? "the carrier"}, tracking number ${parcel.trackingNumber}.`
            : "The items below left our warehouse.",
        ],
      };
    }
    case "delivered":
      return {
        subject: `Order ${ref} was delivered`,
        heading: "Delivered",
        paragraphs: ["The items below were delivered. Thank you for your patience and your order."],
      };
    case "cancelled": {
      const refunded = ctx.lines.reduce((sum, l) => sum + (l.refund?.amount ?? 0), 0);
      return {
        subject: `Items in order ${ref} were cancelled`,
        heading: "Items cancelled",
        paragraphs: [
          refunded > 0
            ? `The items below were cancelled. We refunded ${money(refunded)} to your payment method.`
            : "The items below were cancelled. You were not charged for them.",
        ],
      };
    }
  }
}

function delayCopy(ctx: EmailContext): Copy {
  const ref = ctx.order.orderRef;
  const delay = ctx.delay;
  const revised = delay ? delay.revised : (ctx.lines.find((l) => l.eta)?.eta ?? null);
  const warehouse = delay?.stage === "warehouse";
  const paragraphs = [
    warehouse
      ? `We are sorry: the items below are paid for and being prepared, but they did not leave our warehouse by the date we promised${
          ctx.lines[0] ? ` (${formatDay(ctx.lines[0].promisedBy)})` : ""
        }. The new date is unknown for now: we will write the moment they ship.`
      : revised
        ? `We are sorry: the items below will not ship by the date we promised. The new date is ${formatDay(revised)} (${revised}).`
        : "We are sorry: the items below will not ship by the date we promised, and the new date is unknown for now. We will write as soon as we know it.",
  ];
  let notice: EmailView["notice"] = null;
  if (delay?.remedy) {
    notice = {
      title:
        delay.remedy.kind === "shipping_discount" ? "Discounted shipping" : "A discount for you",
      paragraphs: [remedyText(delay.remedy)],
      code: delay.remedy.code,
    };
  }
  if (delay?.consentBy) {
    const consent = {
      title: `Please confirm by ${formatDay(delay.consentBy)}`,
      paragraphs: [
        `To keep these items on order, confirm by ${formatDay(delay.consentBy)} (${delay.consentBy}) with the "Keep waiting" link. Without your confirmation we will cancel them then${
          ctx.lines.some((l) => l.charge) ? " and refund you" : ", and you will not be charged"
        }.`,
      ],
      code: null,
    };
    notice = notice
      ? { ...consent, paragraphs: [...consent.paragraphs, ...notice.paragraphs], code: notice.code }
      : consent;
  } else if (warehouse) {
    paragraphs.push(
      "If you would rather not wait, you can cancel them from your order page and we will refund you.",
    );
  } else {
    paragraphs.push("If you would rather not wait, you can cancel them from your order page.");
  }
  return {
    subject: `Order ${ref} is delayed`,
    heading: "Your items are delayed",
    paragraphs,
    notice,
  };
}

/** What one email shows, from its kind and its order, lines and shop. */
export function emailView(kind: NotificationKind, ctx: EmailContext): EmailView {
  const copy = copyFor(kind, ctx);
  const currency = ctx.order.currency;
  const cancelUrl = OFFERS_CANCEL.has(kind) ? ctx.cancelUrl : undefined;
  const items = ctx.lines.map((l): EmailItem => {
    const actions: Link[] = [];
    const waiting = l.status === "backordered";
    const unshipped = waiting || l.status === "charged" || l.status === "shipment_requested";
    const consent = kind === "delay_notice" && ctx.delay?.consentBy && unshipped;
    if (consent && ctx.consentUrl)
      actions.push({ label: "Keep waiting", url: ctx.consentUrl(l.lineId) });
    if (waiting && cancelUrl) actions.push({ label: "Cancel this item", url: cancelUrl(l.lineId) });
    return {
      name: l.name ?? l.sku,
      sku: l.sku,
      qty: l.qty,
      unitPrice: formatMoney(l.unitPrice, currency),
      amount: formatMoney(lineAmount(l), currency),
      status: STATUS_WORDS[l.status],
      dates: lineDates(l, kind === "delay_notice" ? ctx.delay?.revised : null),
      tracking: l.trackingNumber
        ? {
            carrier: l.carrier ?? "Carrier",
            number: l.trackingNumber,
            url: trackingUrl(l.carrier, l.trackingNumber, {
              ...CARRIER_TRACKING,
              ...ctx.shop.trackingPages,
            }),
          }
        : null,
      actions,
    };
  });
  const total = ctx.lines.reduce((sum, l) => sum + lineAmount(l), 0);
  const waitingLine = ctx.lines.find((l) => l.status === "backordered");
  const substitutes =
    kind === "delay_notice" && waitingLine && ctx.substituteUrl
      ? (ctx.delay?.substitutes ?? []).map((s) => ({
          name: s.name,
          price: formatMoney(lineAmount(waitingLine), currency),
          availability: s.available >= waitingLine.qty ? "In stock, ships now" : "On backorder",
          url: (ctx.substituteUrl as NonNullable<EmailContext["substituteUrl"]>)(
            waitingLine.lineId,
            s.sku,
          ),
        }))
      : [];
  const name = ctx.order.customer.name;
  return {
    subject: copy.subject,
    preheader: copy.paragraphs[0] ?? copy.heading,
    heading: copy.heading,
    greeting: `Hello ${name},`,
    paragraphs: copy.paragraphs,
    notice: copy.notice ?? null,
    orderRef: ctx.order.orderRef,
    ordered: formatDay(ctx.order.createdAt),
    items,
    total: ctx.lines.length > 1 ? { label: "Total", value: formatMoney(total, currency) } : null,
    substitutes,
    button: copy.button ?? { label: `View order ${ctx.order.orderRef}`, url: ctx.orderUrl },
    shop: ctx.shop,
  };
}
