import { describe, expect, it } from "vitest";
import type { Line, Order } from "../../shared/domain/model.ts";
import { NOTIFICATION_KINDS } from "../../shared/domain/notifications.ts";
import { formatMoney, renderEmail } from "../../shared/emails/render.ts";

const ORDER_URL = "https://api.example.com/v1/customer/orders/ord_1?token=tok.abc-123";

function order(overrides: Partial<Order> = {}): Order {
  return {
    orderId: "ord_1",
    orderRef: "SHOP-1001",
    status: "open",
    customer: { email: "ada@example.com", name: "Ada Lovelace" },
    shippingAddress: {
      line1: "1 Main St",
      city: "Springfield",
      postalCode: "12345",
      country: "US",
    },
    splitPolicy: "ship_as_available",
    payment: { provider: "sandbox", customerRef: "cus_1", paymentMethodRef: "pm_card_visa" },
    currency: "USD",
    createdAt: "2026-03-01T00:00:00.000Z",
    ...overrides,
  };
}

function line(overrides: Partial<Line> = {}): Line {
  return {
    orderId: "ord_1",
    lineId: "line_1",
    lineRef: "1",
    sku: "WIDGET",
    qty: 2,
    unitPrice: 1999,
    currency: "USD",
    status: "backordered",
    eta: "2026-03-20",
    promisedBy: "2026-03-15",
    createdAt: "2026-03-01T00:00:00.000Z",
    history: [{ status: "backordered", at: "2026-03-01T00:00:00.000Z" }],
    lastContactAt: "2026-03-01T00:00:00.000Z",
    promiseEscalated: false,
    ...overrides,
  };
}

/** The text of an HTML attribute or element, with character references decoded. */
function decodeEntities(html: string): string {
  return html
    .replace(/&#(\d+);/g, (_, code: string) => String.fromCharCode(Number(code)))
    .replace(/&amp;/g, "&")
    .replace(/&lt;/g, "<")
    .replace(/&gt;/g, ">")
    .replace(/&quot;/g, '"');
}

describe("renderEmail", () => {
  it.each(NOTIFICATION_KINDS)(
    "renders %s with a subject, HTML and text linking the order",
    (kind) => {
      const email = renderEmail(kind, { order: order(), lines: [line()], orderUrl: ORDER_URL });
      expect(email.subject.length).toBeGreaterThan(0);
      expect(email.subject).toContain("SHOP-1001");
      expect(email.text).toContain(ORDER_URL);
      const hrefs = [...email.html.matchAll(/href="([^"]*)"/g)].map((m) =>
        decodeEntities(m[1] ?? ""),
      );
      expect(hrefs).toContain(ORDER_URL);
      expect(email.html).toMatch(/^<!doctype html>/i);
      expect(email.text).toContain("WIDGET");
      expect(email.html).toContain("WIDGET");
    },
  );

  it("keeps a link with several query parameters intact once decoded", () => {
    const url = "https://api.example.com/v1/customer/orders/ord_1?token=a&lang=en";
    const email = renderEmail("shipped", { order: order(), lines: [line()], orderUrl: url });
    expect(email.text).toContain(url);
    const href = /href="([^"]*)"/.exec(email.html)?.[1];
    expect(href && decodeEntities(href)).toBe(url);
    expect(href).not.toContain("&lang");
  });

  it("escapes customer-supplied text in the HTML", () => {
    const hostile = order({
      customer: { email: "x@example.com", name: '<script>alert("x")</script> & Co' },
      orderRef: "<img src=x onerror=alert(1)>",
    });
    const email = renderEmail("backordered", {
      order: hostile,
      lines: [line({ sku: "<b>SKU</b>", lineRef: '"1"' })],
      orderUrl: ORDER_URL,
    });
    expect(email.html).not.toContain("<script>");
    expect(email.html).not.toContain("<img");
    expect(email.html).not.toContain("<b>SKU");
    expect(email.html).toContain("&#60;script&#62;");
    expect(decodeEntities(email.html)).toContain('<script>alert("x")</script> & Co');
    // Plain text is not HTML: it keeps the name as written.
    expect(email.text).toContain('<script>alert("x")</script> & Co');
  });

  it("names the charged total for a charged email", () => {
    const email = renderEmail("charged", {
      order: order(),
      lines: [
        line({
          status: "charged",
          charge: { chargeId: "ch_1", amount: 3998, currency: "USD", attempt: 1 },
        }),
        line({
          lineId: "line_2",
          status: "charged",
          charge: { chargeId: "ch_2", amount: 1000, currency: "USD", attempt: 1 },
        }),
      ],
      orderUrl: ORDER_URL,
    });
    expect(email.text).toContain("$49.98");
    expect(email.html).toContain("$49.98");
  });

  it("gives the revised date in a delay notice, or says it is unknown", () => {
    const known = renderEmail("delay_notice", {
      order: order(),
      lines: [line({ eta: "2026-04-02" })],
      orderUrl: ORDER_URL,
    });
    expect(known.text).toContain("2026-04-02");
    const unknown = renderEmail("delay_notice", {
      order: order(),
      lines: [line({ eta: null })],
      orderUrl: ORDER_URL,
    });
    expect(unknown.text).toMatch(/unknown/);
  });

  it("lists every line", () => {
    const email = renderEmail("backordered", {
      order: order(),
      lines: [
        line({ sku: "WIDGET", lineRef: "1" }),
        line({ lineId: "l2", sku: "GADGET", lineRef: "2" }),
      ],
      orderUrl: ORDER_URL,
    });
    for (const sku of ["WIDGET", "GADGET"]) {
      expect(email.text).toContain(sku);
      expect(email.html).toContain(sku);
    }
    expect((email.html.match(/<li>/g) ?? []).length).toBe(2);
  });
});

describe("shipment and cancel emails", () => {
  it("shipped names the carrier and the tracking number", () => {
    const email = renderEmail("shipped", {
      order: order(),
      lines: [line({ status: "shipped", carrier: "UPS", trackingNumber: "1Z999" })],
      orderUrl: ORDER_URL,
    });
    expect(email.subject).toContain("shipped");
    expect(email.text).toContain("UPS");
    expect(email.text).toContain("1Z999");
    expect(email.html).toContain("1Z999");
  });

  it("cancelled says what was refunded, or that nothing was charged", () => {
    const refunded = renderEmail("cancelled", {
      order: order(),
      lines: [
        line({ status: "cancelled", refund: { refundId: "re_1", amount: 3998, currency: "USD" } }),
      ],
      orderUrl: ORDER_URL,
    });
    expect(refunded.text).toContain("$39.98");
    const unpaid = renderEmail("cancelled", {
      order: order(),
      lines: [line({ status: "cancelled" })],
      orderUrl: ORDER_URL,
    });
    expect(unpaid.text).toContain("not charged");
  });
});

describe("the backordered email", () => {
  const cancelUrl = (lineId: string) => `${ORDER_URL}&action=cancel&lineId=${lineId}`;

  it("names each line's ship-by date and ETA, and links to cancel each line", () => {
    const email = renderEmail("backordered", {
      order: order(),
      lines: [
        line({ promisedBy: "2026-03-15", eta: null }),
        line({ lineId: "line_2", eta: "2026-03-12" }),
      ],
      orderUrl: ORDER_URL,
      cancelUrl,
    });
    expect(email.text).toContain("ships by 2026-03-15");
    expect(email.text).toContain("expected 2026-03-12");
    expect(email.text).toContain(cancelUrl("line_1"));
    expect(email.text).toContain(cancelUrl("line_2"));
    const hrefs = [...email.html.matchAll(/href="([^"]*)"/g)].map((m) =>
      decodeEntities(m[1] ?? ""),
    );
    expect(hrefs).toEqual(
      expect.arrayContaining([ORDER_URL, cancelUrl("line_1"), cancelUrl("line_2")]),
    );
  });

  it("offers no cancel link on emails about lines past waiting", () => {
    const email = renderEmail("shipped", {
      order: order(),
      lines: [line({ status: "shipped" })],
      orderUrl: ORDER_URL,
      cancelUrl,
    });
    expect(email.text).not.toContain("action=cancel");
    expect(email.html).not.toContain("action=cancel");
  });
});

describe("formatMoney", () => {
  it("formats minor units in the currency", () => {
    expect(formatMoney(1999, "USD")).toBe("$19.99");
    expect(formatMoney(0, "USD")).toBe("$0.00");
  });
});
