import { describe, expect, it } from "vitest";
import { compiledSource } from "../../infra/tools/emails.ts";
import type { Line, Order } from "../../shared/domain/model.ts";
import { NOTIFICATION_KINDS } from "../../shared/domain/notifications.ts";
import { formatDay } from "../../shared/emails/format.ts";
import { formatMoney, renderEmail } from "../../shared/emails/render.ts";
import { EXAMPLE_SHOP, type ShopProfile } from "../../shared/emails/shop.ts";

const ORDER_URL = "https://api.example.com/v1/customer/orders/ord_1?token=tok.abc-123";
const shop: ShopProfile = EXAMPLE_SHOP;

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
      const email = renderEmail(kind, {
        order: order(),
        lines: [line()],
        orderUrl: ORDER_URL,
        shop,
      });
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
    const email = renderEmail("shipped", { order: order(), lines: [line()], orderUrl: url, shop });
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
      shop,
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
      shop,
    });
    expect(email.text).toContain("$49.98");
    expect(email.html).toContain("$49.98");
  });

  it("gives the revised date in a delay notice, or says it is unknown", () => {
    const known = renderEmail("delay_notice", {
      order: order(),
      lines: [line({ eta: "2026-04-02" })],
      orderUrl: ORDER_URL,
      shop,
    });
    expect(known.text).toContain("2026-04-02");
    const unknown = renderEmail("delay_notice", {
      order: order(),
      lines: [line({ eta: null })],
      orderUrl: ORDER_URL,
      shop,
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
      shop,
    });
    for (const sku of ["WIDGET", "GADGET"]) {
      expect(email.text).toContain(sku);
      expect(email.html).toContain(sku);
    }
    expect((email.html.match(/class="item-name"/g) ?? []).length).toBe(2);
  });
});

describe("shipment and cancel emails", () => {
  it("shipped names the carrier and the tracking number", () => {
    const email = renderEmail("shipped", {
      order: order(),
      lines: [line({ status: "shipped", carrier: "UPS", trackingNumber: "1Z999" })],
      orderUrl: ORDER_URL,
      shop,
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
      shop,
    });
    expect(refunded.text).toContain("$39.98");
    const unpaid = renderEmail("cancelled", {
      order: order(),
      lines: [line({ status: "cancelled" })],
      orderUrl: ORDER_URL,
      shop,
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
      shop,
      cancelUrl,
    });
    expect(email.text).toContain(`Ships by: ${formatDay("2026-03-15")}`);
    expect(email.text).toContain(`Expected from our supplier: ${formatDay("2026-03-12")}`);
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
      shop,
      cancelUrl,
    });
    expect(email.text).not.toContain("action=cancel");
    expect(email.html).not.toContain("action=cancel");
  });
});

describe("formatMoney", () => {
  it("formats minor units with the currency's own exponent", () => {
    expect(formatMoney(1999, "USD")).toBe("$19.99");
    expect(formatMoney(0, "USD")).toBe("$0.00");
    // JPY has no minor unit: 3000 is three thousand yen, not thirty.
    expect(formatMoney(3000, "JPY")).toBe("¥3,000");
    // KWD has three: 3000 fils is 3.000 dinars.
    expect(formatMoney(3000, "KWD")).toMatch(/^KWD\s3\.000$/);
    expect(formatMoney(123456, "KWD")).toMatch(/^KWD\s123\.456$/);
    // ISO 4217, not the digits a locale shows: HUF and IQD are counted in hundredths and
    // thousandths although CLDR displays them with none.
    expect(formatMoney(199900, "HUF")).toMatch(/^HUF\s1,999\.00$/);
    expect(formatMoney(1500, "IQD")).toMatch(/^IQD\s1\.500$/);
  });

  it("shows JPY, KWD and USD orders' amounts by their exponent in every email", () => {
    for (const [currency, unitPrice, shown] of [
      ["JPY", 3000, "¥3,000"],
      ["KWD", 3000, "KWD\u00a03.000"],
      ["USD", 3000, "$30.00"],
    ] as const) {
      const email = renderEmail("backordered", {
        order: order({ currency }),
        lines: [line({ qty: 1, unitPrice, currency })],
        orderUrl: ORDER_URL,
        shop,
      });
      expect(email.text, currency).toContain(shown);
      expect(email.html, currency).toContain(shown);
    }
    const charged = renderEmail("charged", {
      order: order({ currency: "JPY" }),
      lines: [
        line({
          qty: 1,
          unitPrice: 3000,
          currency: "JPY",
          status: "charged",
          charge: { chargeId: "c", amount: 3000, currency: "JPY", attempt: 1 },
        }),
      ],
      orderUrl: ORDER_URL,
      shop,
    });
    expect(charged.text).toContain("We charged ¥3,000");
    expect(charged.text).not.toContain("¥30 ");
  });
});

describe("the templates", () => {
  it("are compiled from the MJML sources as they are now (npm run emails:build)", async () => {
    const { readFileSync } = await import("node:fs");
    const current = readFileSync(
      new URL("../../shared/emails/compiled.ts", import.meta.url),
      "utf8",
    );
    expect(current).toBe(await compiledSource());
  });

  it("name items by their catalog name, with the SKU beside it", () => {
    const email = renderEmail("backordered", {
      order: order(),
      lines: [line({ sku: "LAMP-WALNUT", name: "Walnut desk lamp" })],
      orderUrl: ORDER_URL,
      shop,
    });
    expect(email.text).toContain("Walnut desk lamp (SKU LAMP-WALNUT)");
    expect(email.html).toContain(">Walnut desk lamp<");
    expect(email.text).not.toMatch(/\d+ x LAMP-WALNUT/);
  });

  it("speak for the configured shop: name, logo, support address and footer", () => {
    const custom: ShopProfile = {
      name: "Northwind Home",
      logoUrl: "https://cdn.northwind.example/logo.png",
      supportEmail: "help@northwind.example",
      footer: "Northwind Home Ltd, 12 Harbour Road",
      url: "https://northwind.example",
      trackingPages: {},
    };
    const email = renderEmail("check_in", {
      order: order(),
      lines: [line()],
      orderUrl: ORDER_URL,
      shop: custom,
    });
    expect(email.html).toContain('src="https://cdn.northwind.example/logo.png"');
    expect(email.html).toContain("mailto:help@northwind.example");
    expect(email.html).toContain("Northwind Home Ltd, 12 Harbour Road");
    expect(email.text).toContain("Northwind Home");
    expect(email.text).toContain("help@northwind.example");
    expect(email.text).toContain("Northwind Home Ltd, 12 Harbour Road");
    const plain = renderEmail("check_in", {
      order: order(),
      lines: [line()],
      orderUrl: ORDER_URL,
      shop: { ...custom, logoUrl: null },
    });
    expect(plain.html).not.toContain("<img");
  });

  it.each(NOTIFICATION_KINDS)("say the same in the text part as in the HTML (%s)", (kind) => {
    const delay =
      kind === "delay_notice"
        ? {
            delay: {
              tier: "substitutes_future_discount" as const,
              revised: "2026-04-20",
              substitutes: [{ sku: "OAK", name: "Oak lamp", available: 3 }],
              consentBy: "2026-04-20",
              remedy: { kind: "future_discount" as const, percent: 10, code: "SORRY-1" },
            },
            substituteUrl: (id: string, sku: string) =>
              `${ORDER_URL}&action=substitute&lineId=${id}&sku=${sku}`,
            consentUrl: (id: string) => `${ORDER_URL}&action=consent&lineId=${id}`,
          }
        : {};
    const email = renderEmail(kind, {
      ...delay,
      order: order(),
      lines: [
        line({
          name: "Walnut desk lamp",
          status: kind === "shipped" ? "shipped" : "backordered",
          carrier: "UPS",
          trackingNumber: kind === "shipped" ? "1Z1" : null,
        }),
      ],
      orderUrl: ORDER_URL,
      shop,
      cancelUrl: (id) => `${ORDER_URL}&action=cancel&lineId=${id}`,
    });
    // What a reader sees of the HTML: inline tags dropped, block tags as spaces.
    const html = decodeEntities(
      email.html
        .replace(/<style[\s\S]*?<\/style>/g, " ")
        .replace(/<\/?(a|span|strong|code)\b[^>]*>/g, "")
        .replace(/<[^>]+>/g, " "),
    ).replace(/\s+/g, " ");
    const text = email.text.replace(/\s+/g, " ");
    // Every sentence of the text part is in the HTML, and the other way round for the
    // paragraphs, the items and the links.
    for (const sentence of email.text
      .split("\n")
      .map((l) => l.trim())
      .filter((l) => /^[A-Z][^:]*[.!?]$/.test(l))) {
      expect(html, sentence).toContain(sentence);
    }
    expect(text).toContain("Walnut desk lamp");
    expect(html).toContain("Walnut desk lamp");
    // Every labelled value of the text part (dates, amounts, tracking, codes) is shown in
    // the HTML too.
    for (const [, value] of email.text.matchAll(/^\s*[A-Z][\w ]+: ([^\n(]+?)(?: \(|$)/gm)) {
      if (value?.startsWith("http")) continue;
      expect(html, value).toContain(value?.trim() ?? "");
    }
    if (kind === "delay_notice") {
      for (const shown of ["SORRY-1", "Oak lamp", "10% off your next order", "Keep waiting"]) {
        expect(text, shown).toContain(shown);
        expect(html, shown).toContain(shown);
      }
    }
    const hrefs = [...email.html.matchAll(/href="([^"]*)"/g)]
      .map((m) => decodeEntities(m[1] ?? ""))
      .filter((h) => h.startsWith("https://"));
    for (const href of hrefs) expect(email.text, href).toContain(href);
  });

  it("links the tracking number to the carrier's page", () => {
    const email = renderEmail("shipped", {
      order: order(),
      lines: [line({ status: "shipped", carrier: "UPS", trackingNumber: "1Z999AA1" })],
      orderUrl: ORDER_URL,
      shop,
    });
    expect(email.html).toContain('href="https://www.ups.com/track?tracknum=1Z999AA1"');
    expect(email.text).toContain("https://www.ups.com/track?tracknum=1Z999AA1");
  });

  it("gives the dates that matter: ordered, promised, revised, shipped", () => {
    const delayed = renderEmail("delay_notice", {
      order: order({ createdAt: "2026-03-01T10:00:00.000Z" }),
      lines: [line({ firstPromisedBy: "2026-03-15", promisedBy: "2026-04-02", eta: "2026-04-02" })],
      orderUrl: ORDER_URL,
      shop,
      delay: { tier: "apology", revised: "2026-04-02", substitutes: [], consentBy: null },
    });
    expect(delayed.text).toContain(`placed ${formatDay("2026-03-01")}`);
    expect(delayed.text).toContain(`First promised: ${formatDay("2026-03-15")}`);
    expect(delayed.text).toContain(`Revised date: ${formatDay("2026-04-02")}`);
    const shipped = renderEmail("shipped", {
      order: order(),
      lines: [
        line({
          status: "shipped",
          history: [
            { status: "backordered", at: "2026-03-01T00:00:00.000Z" },
            { status: "shipped", at: "2026-03-20T08:00:00.000Z" },
          ],
        }),
      ],
      orderUrl: ORDER_URL,
      shop,
    });
    expect(shipped.text).toContain(`Shipped: ${formatDay("2026-03-20")}`);
  });

  it("offers substitutes with their price and a link to choose each, and the tier's remedy", () => {
    const email = renderEmail("delay_notice", {
      order: order(),
      lines: [line({ qty: 2, unitPrice: 1999 })],
      orderUrl: ORDER_URL,
      shop,
      substituteUrl: (id, sku) => `${ORDER_URL}&action=substitute&lineId=${id}&sku=${sku}`,
      delay: {
        tier: "substitutes_shipping_discount",
        revised: "2026-04-02",
        substitutes: [{ sku: "GADGET", name: "Oak gadget", available: 5 }],
        consentBy: null,
        remedy: { kind: "shipping_discount", percent: 50, code: "SHIP50" },
      },
    });
    expect(email.text).toContain("Oak gadget, $39.98 (In stock, ships now)");
    expect(email.text).toContain(`${ORDER_URL}&action=substitute&lineId=line_1&sku=GADGET`);
    expect(email.text).toContain("50% off the shipping");
    expect(email.text).toContain("SHIP50");
    expect(email.html).toContain("SHIP50");
  });
});
