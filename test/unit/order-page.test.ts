import { describe, expect, it } from "vitest";
import { SAMPLE_ORDER, SAMPLE_SHOP, sampleContext } from "../../infra/tools/email-samples.ts";
import type { Line } from "../../shared/domain/model.ts";
import { DEFAULT_REMEDIES, remedyFor } from "../../shared/domain/remedies.ts";
import { customerOrderView, orderPageHtml } from "../../shared/pages/order-page.ts";

const waiting = (overrides: Partial<Line> = {}): Line => ({
  ...(sampleContext("backordered").lines[0] as Line),
  ...overrides,
});

describe("the order page's view", () => {
  it("gives each line exactly the actions it allows now", () => {
    const lines: Line[] = [
      waiting({ lineId: "a", consentBy: "2027-01-08" }),
      waiting({ lineId: "b", status: "awaiting_payment" }),
      waiting({ lineId: "c", status: "shipped", carrier: "UPS", trackingNumber: "1Z9" }),
      waiting({ lineId: "d", status: "cancelled" }),
    ];
    const view = customerOrderView(SAMPLE_ORDER, lines, {
      substitutes: new Map([
        ["a", [{ sku: "LAMP-OAK", name: "Oak desk lamp", available: 12 }]],
        // Offers for a line past waiting are never shown.
        ["c", [{ sku: "LAMP-OAK", name: "Oak desk lamp", available: 12 }]],
      ]),
    });
    const actions = Object.fromEntries(view.lines.map((l) => [l.lineId, l.actions]));
    expect(actions.a).toEqual({
      cancel: true,
      keepWaiting: true,
      substitutes: [{ sku: "LAMP-OAK", name: "Oak desk lamp", price: 17800, inStock: true }],
      updatePaymentMethod: false,
    });
    expect(actions.b).toMatchObject({
      keepWaiting: false,
      substitutes: [],
      updatePaymentMethod: true,
    });
    expect(actions.c).toEqual({
      cancel: false,
      keepWaiting: false,
      substitutes: [],
      updatePaymentMethod: false,
    });
    expect(actions.d).toMatchObject({ cancel: false, keepWaiting: false });
    const shipped = view.lines.find((l) => l.lineId === "c");
    expect(shipped).toMatchObject({
      name: "Walnut desk lamp",
      statusText: "On its way",
      trackingUrl: "https://www.ups.com/track?tracknum=1Z9",
    });
  });

  it("the page names items, shows dates and amounts in the order's currency, and confirms a chosen substitute", () => {
    const line = waiting({
      lineId: "a",
      qty: 1,
      unitPrice: 3000,
      currency: "JPY",
      eta: "2027-01-08",
      promisedBy: "2027-01-08",
    });
    const view = customerOrderView({ ...SAMPLE_ORDER, currency: "JPY" }, [line], {
      substitutes: new Map([["a", [{ sku: "LAMP-OAK", name: "Oak desk lamp", available: 0 }]]]),
    });
    const html = orderPageHtml(view, {
      token: "tok",
      shop: SAMPLE_SHOP,
      action: "substitute",
      lineId: "a",
      sku: "LAMP-OAK",
    });
    expect(html).toContain("Walnut desk lamp");
    expect(html).toContain("¥3,000");
    expect(html).not.toContain("¥30<");
    expect(html).toContain("Fri, Jan 8, 2027");
    expect(html).toContain("Do you want Oak desk lamp instead of Walnut desk lamp?");
    expect(html).toContain("Yes, take this instead");
    expect(html).toContain("/lines/a/substitute?token=tok");
    expect(html).toContain("On backorder");
    expect(html).toContain(SAMPLE_SHOP.supportEmail);
  });

  it("shows the remedy recorded on a delayed line", () => {
    const remedy = remedyFor(
      "substitutes_future_discount",
      { ...DEFAULT_REMEDIES, codes: ["SORRY-1", "SORRY-2"] },
      "a",
    );
    const view = customerOrderView(SAMPLE_ORDER, [waiting({ lineId: "a", remedy })]);
    const html = orderPageHtml(view, { token: "tok", shop: SAMPLE_SHOP });
    expect(html).toContain("10% off your next order");
    expect(html).toContain(remedy?.code ?? "no code");
  });
});

describe("remedies", () => {
  it("are concrete per tier, from configuration, the same code for the same line", () => {
    const config = {
      shippingDiscountPercent: 25,
      futureDiscountPercent: 15,
      codes: ["A", "B", "C"],
    };
    expect(remedyFor("apology", config, "ln_1")).toBeNull();
    const shipping = remedyFor("substitutes_shipping_discount", config, "ln_1");
    expect(shipping).toMatchObject({ kind: "shipping_discount", percent: 25 });
    expect(config.codes).toContain(shipping?.code);
    expect(remedyFor("substitutes_future_discount", config, "ln_1")).toMatchObject({
      kind: "future_discount",
      percent: 15,
      code: shipping?.code,
    });
    expect(
      remedyFor("substitutes_future_discount", { ...config, codes: [] }, "ln_1")?.code,
    ).toBeNull();
  });
});

describe("the order page's escaping", () => {
  it("shows hostile names and references as text, never as markup", () => {
    const hostile = '<script>alert("x")</script><img src=x onerror=alert(1)>';
    const view = customerOrderView({ ...SAMPLE_ORDER, orderRef: hostile }, [
      waiting({ lineId: "a", name: hostile, sku: '"><b>SKU' }),
    ]);
    const html = orderPageHtml(view, {
      token: 'tok"><script>',
      shop: { ...SAMPLE_SHOP, name: hostile, footer: hostile },
      action: "cancel",
      lineId: "a",
    });
    expect(html).not.toContain("<script>alert");
    expect(html).not.toContain("<img src=x");
    expect(html).not.toContain('"><b>SKU');
    expect(html).not.toContain('tok"><script>');
    expect(html).toContain("&#60;script&#62;alert(&#34;x&#34;)&#60;/script&#62;");
  });
});
