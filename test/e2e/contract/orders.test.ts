import { randomUUID } from "node:crypto";
import { describe, expect, it } from "vitest";
import {
  addDaysTo,
  api,
  eventually,
  getSku,
  keys,
  newSku,
  orderBody,
  postOrder,
  putSku,
  serverToday,
} from "../support.ts";

/** Contract §4–§5 over HTTP: order intake. Runs against the local stack or a deployed stage. */

interface CreatedLine {
  lineId: string;
  lineRef: string;
  sku: string;
  qty: number;
  status: string;
  eta: string | null;
  promisedBy: string;
}

function expectProblem(res: Awaited<ReturnType<typeof api>>, status: number, typeSuffix: string) {
  expect(res.status, res.text).toBe(status);
  expect(res.headers.get("content-type")).toMatch(/^application\/problem\+json/);
  expect(String(res.json.type)).toMatch(new RegExp(`/${typeSuffix}$`));
  expect(res.json.status).toBe(status);
}

const stockout = (onHand: number) => ({ name: "Rare", onHand, backorder: { allowed: false } });
const backorderable = (onHand: number, extra: Record<string, unknown> = {}) => ({
  name: "Widget",
  onHand,
  backorder: { allowed: true, ...extra },
});

describe("POST /v1/orders: a mixed order", () => {
  it("allocates stock, backorders the rest and splits a partly available line", async () => {
    const [inStock, leadTime, partly] = [newSku(), newSku(), newSku()];
    await putSku(inStock, { name: "In stock", onHand: 10, backorder: { allowed: false } });
    await putSku(leadTime, backorderable(0, { leadTimeDays: 14 }));
    await putSku(partly, backorderable(3));
    const today = await serverToday();

    const res = await postOrder(
      orderBody([
        { lineRef: "1", sku: inStock, qty: 2 },
        { lineRef: "2", sku: leadTime, qty: 4 },
        { lineRef: "3", sku: partly, qty: 5 },
      ]),
    );
    expect(res.status, res.text).toBe(201);
    expect(res.json).toMatchObject({ status: "open", orderId: expect.any(String) });
    const lines = res.json.lines as CreatedLine[];
    expect(
      lines.map(({ lineRef, sku, qty, status, eta, promisedBy }) => ({
        lineRef,
        sku,
        qty,
        status,
        eta,
        promisedBy,
      })),
    ).toEqual([
      { lineRef: "1", sku: inStock, qty: 2, status: "allocated", eta: null, promisedBy: today },
      {
        lineRef: "2",
        sku: leadTime,
        qty: 4,
        status: "backordered",
        eta: null,
        promisedBy: addDaysTo(today, 14),
      },
      { lineRef: "3", sku: partly, qty: 3, status: "allocated", eta: null, promisedBy: today },
      // No lead time and no inbound notice: today + 30 days.
      {
        lineRef: "3",
        sku: partly,
        qty: 2,
        status: "backordered",
        eta: null,
        promisedBy: addDaysTo(today, 30),
      },
    ]);
    expect(new Set(lines.map((l) => l.lineId)).size).toBe(4);

    expect(await getSku(inStock)).toMatchObject({ onHand: 10, allocated: 2, available: 8 });
    expect(await getSku(leadTime)).toMatchObject({
      onHand: 0,
      allocated: 0,
      available: 0,
      backorderedQty: 4,
      nextEta: addDaysTo(today, 14),
    });
    expect(await getSku(partly)).toMatchObject({
      onHand: 3,
      allocated: 3,
      available: 0,
      backorderedQty: 2,
      nextEta: null,
    });
  });

  it("GET /v1/orders/{orderId} shows every line with its history", async () => {
    const code = newSku();
    await putSku(code, backorderable(1, { leadTimeDays: 7 }));
    const body = orderBody([{ lineRef: "A", sku: code, qty: 3, unitPrice: 500 }]);
    const created = await postOrder(body);
    expect(created.status, created.text).toBe(201);
    const orderId = String(created.json.orderId);

    const res = await api(`/v1/orders/${orderId}`, { key: keys.storefront });
    expect(res.status, res.text).toBe(200);
    expect(res.json).toMatchObject({
      orderId,
      orderRef: body.orderRef,
      status: "open",
      customer: body.customer,
      shippingAddress: body.shippingAddress,
      currency: "USD",
    });
    const lines = res.json.lines as (CreatedLine & {
      history: { status: string; at: string }[];
      shipmentId: string | null;
      trackingNumber: string | null;
    })[];
    expect(lines).toHaveLength(2);
    const byFirstStatus = new Map(lines.map((l) => [l.history[0]?.status, l]));
    expect(byFirstStatus.get("allocated")).toMatchObject({ lineRef: "A", sku: code, qty: 1 });
    expect(byFirstStatus.get("backordered")).toMatchObject({
      lineRef: "A",
      sku: code,
      qty: 2,
      status: "backordered",
      shipmentId: null,
      trackingNumber: null,
    });
    for (const line of lines) {
      expect(Number.isNaN(Date.parse(String(line.history[0]?.at)))).toBe(false);
      expect(line).toHaveProperty("eta");
      expect(line).toHaveProperty("promisedBy");
    }
  });

  it("answers 404 for an order that does not exist", async () => {
    const res = await api("/v1/orders/ord_doesnotexist", { key: keys.storefront });
    expectProblem(res, 404, "not-found");
    const notes = await api("/v1/orders/ord_doesnotexist/notifications", { key: keys.storefront });
    expectProblem(notes, 404, "not-found");
  });
});

describe("POST /v1/orders: refusals write nothing", () => {
  it("a stockout SKU without enough stock fails the whole order with 409", async () => {
    const [fine, rare] = [newSku(), newSku()];
    await putSku(fine, backorderable(5));
    await putSku(rare, stockout(1));
    const before = [await getSku(fine), await getSku(rare)];

    const res = await postOrder(
      orderBody([
        { lineRef: "1", sku: fine, qty: 2 },
        { lineRef: "2", sku: rare, qty: 3 },
      ]),
    );
    expectProblem(res, 409, "insufficient-stock");
    expect(res.json.lines).toEqual([{ lineRef: "2", sku: rare, requested: 3, available: 1 }]);
    expect([await getSku(fine), await getSku(rare)]).toEqual(before);
  });

  it("a backorder past the SKU's limit is a 409 naming what is left", async () => {
    const code = newSku();
    await putSku(code, backorderable(1, { limit: 3 }));
    const before = await getSku(code);
    const res = await postOrder(orderBody([{ lineRef: "1", sku: code, qty: 5 }]));
    expectProblem(res, 409, "insufficient-stock");
    expect(res.json.lines).toEqual([{ lineRef: "1", sku: code, requested: 5, available: 4 }]);
    expect(await getSku(code)).toEqual(before);
    // Up to the limit is fine.
    const ok = await postOrder(orderBody([{ lineRef: "1", sku: code, qty: 4 }]));
    expect(ok.status, ok.text).toBe(201);
    expect(await getSku(code)).toMatchObject({ allocated: 1, backorderedQty: 3 });
  });

  it("an unknown SKU is a 422", async () => {
    const known = newSku();
    await putSku(known, backorderable(5));
    const missing = newSku("MISSING");
    const res = await postOrder(
      orderBody([
        { lineRef: "1", sku: known, qty: 1 },
        { lineRef: "2", sku: missing, qty: 1 },
      ]),
    );
    expectProblem(res, 422, "unknown-sku");
    expect(res.json.skus).toEqual([missing]);
    expect(await getSku(known)).toMatchObject({ allocated: 0, backorderedQty: 0 });
  });

  it("needs an Idempotency-Key of 1 to 255 characters", async () => {
    const code = newSku();
    await putSku(code, backorderable(5));
    const body = orderBody([{ lineRef: "1", sku: code, qty: 1 }]);
    expectProblem(await postOrder(body, null), 400, "validation-error");
    expectProblem(await postOrder(body, "k".repeat(256)), 400, "validation-error");
    expect(await getSku(code)).toMatchObject({ allocated: 0 });
    expect((await postOrder(body, "k".repeat(255))).status).toBe(201);
  });

  it.each([
    ["a zero quantity", { lines: [{ lineRef: "1", sku: "X", qty: 0, unitPrice: 1 }] }],
    ["a fractional quantity", { lines: [{ lineRef: "1", sku: "X", qty: 1.5, unitPrice: 1 }] }],
    ["a negative price", { lines: [{ lineRef: "1", sku: "X", qty: 1, unitPrice: -1 }] }],
    ["no lines", { lines: [] }],
    ["an unknown split policy", { splitPolicy: "whenever" }],
    ["max_shipments without maxShipments", { splitPolicy: "max_shipments" }],
    ["an unknown currency", { currency: "XYZ" }],
    [
      "an unknown payment provider",
      { payment: { provider: "cash", customerRef: "c", paymentMethodRef: "p" } },
    ],
    ["a bad email", { customer: { email: "not-an-email", name: "Ada" } }],
  ])("%s is a 400 with errors[]", async (_what, overrides) => {
    const code = newSku();
    await putSku(code, backorderable(5));
    const body = orderBody([{ lineRef: "1", sku: code, qty: 1 }], overrides);
    const res = await postOrder(body);
    expectProblem(res, 400, "validation-error");
    expect(Array.isArray(res.json.errors)).toBe(true);
    expect((res.json.errors as unknown[]).length).toBeGreaterThan(0);
    expect(await getSku(code)).toMatchObject({ allocated: 0, backorderedQty: 0 });
  });

  it("duplicate lineRefs are a 400", async () => {
    const code = newSku();
    await putSku(code, backorderable(5));
    const res = await postOrder(
      orderBody([
        { lineRef: "1", sku: code, qty: 1 },
        { lineRef: "1", sku: code, qty: 2 },
      ]),
    );
    expectProblem(res, 400, "validation-error");
    expect(await getSku(code)).toMatchObject({ allocated: 0 });
  });
});

describe("POST /v1/orders: lenient where the contract is silent", () => {
  it("ignores fields it does not know", async () => {
    const code = newSku();
    await putSku(code, backorderable(5));
    const res = await postOrder(
      orderBody([{ lineRef: "1", sku: code, qty: 1 }], { coupon: "FREE", channel: "web" }),
    );
    expect(res.status, res.text).toBe(201);
    const order = await api(`/v1/orders/${res.json.orderId}`, { key: keys.storefront });
    expect(order.json).not.toHaveProperty("coupon");
  });

  it("a SKU code that cannot exist is an unknown SKU (422), not a bad request", async () => {
    const res = await postOrder(orderBody([{ lineRef: "1", sku: "no such sku!", qty: 1 }]));
    expectProblem(res, 422, "unknown-sku");
    expect(res.json.skus).toEqual(["no such sku!"]);
  });
});

describe("POST /v1/orders: Idempotency-Key", () => {
  it("a replay with the same key and body returns the same order, placed once", async () => {
    const code = newSku();
    await putSku(code, backorderable(2));
    const body = orderBody([{ lineRef: "1", sku: code, qty: 3 }]);
    const key = randomUUID();
    const first = await postOrder(body, key);
    expect(first.status, first.text).toBe(201);
    const again = await postOrder(structuredClone(body), key);
    expect(again.status).toBe(201);
    expect(again.json).toEqual(first.json);
    // Same body with its keys in another order is the same request.
    const reordered = Object.fromEntries(Object.entries(body).reverse());
    expect((await postOrder(reordered, key)).json).toEqual(first.json);
    expect(await getSku(code)).toMatchObject({ allocated: 2, backorderedQty: 1 });
  });

  it("the same key with another body is a 422 and writes nothing", async () => {
    const code = newSku();
    await putSku(code, backorderable(10));
    const key = randomUUID();
    const first = await postOrder(orderBody([{ lineRef: "1", sku: code, qty: 1 }]), key);
    expect(first.status).toBe(201);
    const other = await postOrder(orderBody([{ lineRef: "1", sku: code, qty: 2 }]), key);
    expectProblem(other, 422, "idempotency-key-reused");
    expect(await getSku(code)).toMatchObject({ allocated: 1 });
  });

  it("concurrent requests with one key place one order, and none is told it is out of stock", async () => {
    // One unit: a request that lost the race must replay the winner, not answer 409.
    const code = newSku();
    await putSku(code, stockout(1));
    const body = orderBody([{ lineRef: "1", sku: code, qty: 1 }]);
    const key = randomUUID();
    const results = await Promise.all(Array.from({ length: 8 }, () => postOrder(body, key)));
    for (const r of results) expect(r.status, r.text).toBe(201);
    expect(new Set(results.map((r) => r.json.orderId)).size).toBe(1);
    expect(await getSku(code)).toMatchObject({ allocated: 1 });
  });
});

describe("POST /v1/orders: concurrency", () => {
  it("50 concurrent orders for 10 units with backorders off sell exactly 10", async () => {
    const code = newSku();
    await putSku(code, stockout(10));
    const results = await Promise.all(
      Array.from({ length: 50 }, () => postOrder(orderBody([{ lineRef: "1", sku: code, qty: 1 }]))),
    );
    const statuses = results.map((r) => r.status);
    expect(statuses.filter((s) => s === 201)).toHaveLength(10);
    expect(statuses.filter((s) => s === 409)).toHaveLength(40);
    for (const r of results.filter((x) => x.status === 409)) {
      expect(String(r.json.type)).toMatch(/\/insufficient-stock$/);
    }
    expect(await getSku(code)).toMatchObject({
      onHand: 10,
      allocated: 10,
      available: 0,
      backorderedQty: 0,
    });
  });

  it("concurrent orders never pass a backorder limit", async () => {
    const code = newSku();
    await putSku(code, backorderable(5, { limit: 10 }));
    const results = await Promise.all(
      Array.from({ length: 30 }, () => postOrder(orderBody([{ lineRef: "1", sku: code, qty: 1 }]))),
    );
    expect(results.filter((r) => r.status === 201)).toHaveLength(15);
    expect(results.filter((r) => r.status === 409)).toHaveLength(15);
    const statuses = results
      .filter((r) => r.status === 201)
      .map((r) => (r.json.lines as CreatedLine[])[0]?.status);
    expect(statuses.filter((s) => s === "allocated")).toHaveLength(5);
    expect(statuses.filter((s) => s === "backordered")).toHaveLength(10);
    expect(await getSku(code)).toMatchObject({ allocated: 5, backorderedQty: 10, available: 0 });
  });
});

describe("the backordered email", () => {
  it("is listed once in /notifications, for the backordered lines only", async () => {
    const [inStock, waiting] = [newSku(), newSku()];
    await putSku(inStock, backorderable(5));
    await putSku(waiting, backorderable(0, { leadTimeDays: 10 }));
    const body = orderBody([
      { lineRef: "1", sku: inStock, qty: 1 },
      { lineRef: "2", sku: waiting, qty: 2 },
    ]);
    const key = randomUUID();
    const res = await postOrder(body, key);
    expect(res.status, res.text).toBe(201);
    await postOrder(body, key); // a replay sends nothing more
    const lines = res.json.lines as CreatedLine[];
    const backordered = lines.filter((l) => l.status === "backordered").map((l) => l.lineId);

    const notes = await eventually(
      async () => {
        const r = await api(`/v1/orders/${res.json.orderId}/notifications`, {
          key: keys.storefront,
        });
        const list = r.json.notifications as { kind: string }[];
        return list.some((n) => n.kind === "backordered") ? list : undefined;
      },
      { what: "the backordered notification" },
    );
    const sent = notes.filter((n) => n.kind === "backordered");
    expect(sent).toEqual([
      {
        kind: "backordered",
        to: body.customer.email,
        subject: expect.stringContaining(body.orderRef),
        sentAt: expect.any(String),
        lineIds: backordered,
      },
    ]);
  });

  it("is not sent for an order with nothing backordered", async () => {
    const code = newSku();
    await putSku(code, backorderable(5));
    const res = await postOrder(orderBody([{ lineRef: "1", sku: code, qty: 1 }]));
    expect(res.status).toBe(201);
    // Once the line's workflow has run (it charges the allocated line), look.
    const kinds = await eventually(
      async () => {
        const notes = await api(`/v1/orders/${res.json.orderId}/notifications`, {
          key: keys.storefront,
        });
        const list = (notes.json.notifications as { kind: string }[]).map((n) => n.kind);
        return list.includes("charged") ? list : undefined;
      },
      { what: "the charged notification" },
    );
    expect(kinds).not.toContain("backordered");
  });
});
