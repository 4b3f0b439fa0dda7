/**
 * Sample orders for every email kind and the order page: what `npm run emails:preview`
 * writes and what the browser test screenshots. Rendered by the real templates.
 */
import type { Line, Order } from "../../shared/domain/model.ts";
import { NOTIFICATION_KINDS, type NotificationKind } from "../../shared/domain/notifications.ts";
import { renderEmail } from "../../shared/emails/render.ts";
import type { ShopProfile } from "../../shared/emails/shop.ts";
import type { EmailContext } from "../../shared/emails/view.ts";
import { customerOrderView, orderPageHtml } from "../../shared/pages/order-page.ts";

/** A logo drawn inline, so previews need no network. */
const LOGO = `data:image/svg+xml,${encodeURIComponent(
  '<svg xmlns="http://www.w3.org/2000/svg" width="280" height="64"><rect width="64" height="64" rx="14" fill="#1f4e79"/><path d="M18 44 L32 18 L46 44 Z" fill="#f59e0b"/><text x="78" y="42" font-family="Georgia,serif" font-size="26" fill="#1f4e79">Northwind Home</text></svg>',
)}`;

export const SAMPLE_SHOP: ShopProfile = {
  name: "Northwind Home",
  logoUrl: LOGO,
  supportEmail: "help@northwind.example",
  footer:
    "Northwind Home Ltd · 12 Harbour Road, Portsmouth · You get this email about an order you placed.",
  url: "https://northwind.example",
  trackingPages: {},
};

const BASE = "https://api.northwind.example/v1/customer/orders/ord_01SAMPLE?token=sample-token";

export const SAMPLE_ORDER: Order = {
  orderId: "ord_01SAMPLE",
  orderRef: "NW-10472",
  status: "open",
  customer: { email: "ada@example.com", name: "Ada Lovelace" },
  shippingAddress: { line1: "1 Main St", city: "Springfield", postalCode: "12345", country: "US" },
  splitPolicy: "ship_as_available",
  payment: { provider: "sandbox", customerRef: "cus_1", paymentMethodRef: "pm_card_visa" },
  currency: "USD",
  createdAt: "2026-11-20T10:15:00.000Z",
};

function sampleLine(overrides: Partial<Line>): Line {
  return {
    orderId: SAMPLE_ORDER.orderId,
    lineId: "ln_lamp",
    lineRef: "1",
    sku: "LAMP-WALNUT",
    name: "Walnut desk lamp",
    qty: 2,
    unitPrice: 8900,
    currency: "USD",
    status: "backordered",
    eta: "2026-12-18",
    promisedBy: "2026-12-18",
    firstPromisedBy: "2026-12-18",
    createdAt: SAMPLE_ORDER.createdAt,
    history: [{ status: "backordered", at: SAMPLE_ORDER.createdAt }],
    lastContactAt: SAMPLE_ORDER.createdAt,
    promiseEscalated: false,
    ...overrides,
  };
}

const shade = (overrides: Partial<Line> = {}) =>
  sampleLine({
    lineId: "ln_shade",
    lineRef: "2",
    sku: "SHADE-LINEN",
    name: "Linen lampshade, natural",
    qty: 1,
    unitPrice: 3450,
    eta: null,
    promisedBy: "2026-12-04",
    firstPromisedBy: "2026-12-04",
    ...overrides,
  });

const charge = (line: Line) => ({
  chargeId: `ch_${line.lineId}`,
  amount: line.qty * line.unitPrice,
  currency: "USD",
  attempt: 1,
});

const at = (day: string) => `${day}T09:30:00.000Z`;

/** Each kind's sample: the lines it is about and what else it says. */
export function sampleContext(kind: NotificationKind): EmailContext {
  const links = {
    orderUrl: BASE,
    cancelUrl: (id: string) => `${BASE}&action=cancel&lineId=${id}`,
    consentUrl: (id: string) => `${BASE}&action=consent&lineId=${id}`,
    substituteUrl: (id: string, sku: string) => `${BASE}&action=substitute&lineId=${id}&sku=${sku}`,
  };
  const base = { order: SAMPLE_ORDER, shop: SAMPLE_SHOP, ...links };
  const shipped = (l: Line): Line => ({
    ...l,
    status: "shipped",
    charge: charge(l),
    carrier: "UPS",
    trackingNumber: "1Z999AA10123456784",
    history: [
      ...l.history,
      { status: "allocated", at: at("2026-12-15") },
      { status: "charged", at: at("2026-12-15") },
      { status: "shipment_requested", at: at("2026-12-15") },
      { status: "shipped", at: at("2026-12-16") },
    ],
  });
  switch (kind) {
    case "backordered":
      return { ...base, lines: [sampleLine({}), shade()] };
    case "eta_updated":
      return { ...base, lines: [sampleLine({ eta: "2026-12-21" })] };
    case "delay_notice":
      return {
        ...base,
        lines: [
          sampleLine({
            eta: "2027-01-08",
            promisedBy: "2027-01-08",
            consentBy: "2027-01-08",
            remedy: { kind: "future_discount", percent: 10, code: "SORRY-7Q2X" },
          }),
        ],
        delay: {
          tier: "substitutes_future_discount",
          revised: "2027-01-08",
          substitutes: [
            { sku: "LAMP-OAK", name: "Oak desk lamp", available: 12 },
            { sku: "LAMP-ASH", name: "Ash desk lamp, matte black", available: 0 },
          ],
          consentBy: "2027-01-08",
          remedy: { kind: "future_discount", percent: 10, code: "SORRY-7Q2X" },
        },
      };
    case "check_in":
      return { ...base, lines: [sampleLine({})] };
    case "charged": {
      const line = sampleLine({ status: "charged" });
      return { ...base, lines: [{ ...line, charge: charge(line) }] };
    }
    case "payment_failed":
      return { ...base, lines: [sampleLine({ status: "awaiting_payment" })] };
    case "shipped":
      return { ...base, lines: [shipped(sampleLine({}))] };
    case "delivered": {
      const line = shipped(sampleLine({}));
      return {
        ...base,
        lines: [
          {
            ...line,
            status: "delivered",
            history: [...line.history, { status: "delivered", at: at("2026-12-18") }],
          },
        ],
      };
    }
    case "cancelled": {
      const line = shade({ status: "cancelled" });
      return {
        ...base,
        lines: [
          {
            ...line,
            charge: charge(line),
            refund: { refundId: "re_1", amount: 3450, currency: "USD" },
            history: [...line.history, { status: "cancelled", at: at("2026-12-02") }],
          },
        ],
      };
    }
  }
}

/** The order page of the sample order: a waiting line with choices, a shipped one. */
export function samplePage(): string {
  const waiting = sampleLine({
    eta: "2027-01-08",
    promisedBy: "2027-01-08",
    consentBy: "2027-01-08",
    remedy: { kind: "future_discount", percent: 10, code: "SORRY-7Q2X" },
  });
  const sent = sampleContext("shipped").lines[0] as Line;
  const lines = [
    waiting,
    {
      ...sent,
      lineId: "ln_shade2",
      sku: "SHADE-LINEN",
      name: "Linen lampshade, natural",
      qty: 1,
      unitPrice: 3450,
    },
  ];
  const view = customerOrderView(SAMPLE_ORDER, lines, {
    substitutes: new Map([
      [waiting.lineId, [{ sku: "LAMP-OAK", name: "Oak desk lamp", available: 12 }]],
    ]),
  });
  return orderPageHtml(view, { token: "sample-token", shop: SAMPLE_SHOP });
}

/** Every kind's email (HTML and text) and the page, as files to write. */
export function previewFiles(): [name: string, content: string][] {
  const files: [string, string][] = [];
  for (const kind of NOTIFICATION_KINDS) {
    const email = renderEmail(kind, sampleContext(kind));
    files.push(
      [`${kind}.html`, email.html],
      [`${kind}.txt`, `Subject: ${email.subject}\n\n${email.text}`],
    );
  }
  files.push(["order-page.html", samplePage()]);
  return files;
}
