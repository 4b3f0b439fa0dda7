import { randomUUID } from "node:crypto";
import { describe, expect, it } from "vitest";
import { api, keys } from "../support.ts";

/** Contract §1–§3 over HTTP: runs against the local stack or a deployed stage. */

function expectProblem(res: Awaited<ReturnType<typeof api>>, status: number) {
  expect(res.status).toBe(status);
  expect(res.headers.get("content-type")).toMatch(/^application\/problem\+json/);
  expect(res.json).toMatchObject({ status, title: expect.any(String), detail: expect.any(String) });
  expect(typeof res.json.type).toBe("string");
  expect(res.text).not.toMatch(/at .*\.(ts|js):\d+/);
}

const sku = () => `E2E-${randomUUID().slice(0, 8)}`;
const widget = { name: "Widget", onHand: 3, backorder: { allowed: true, leadTimeDays: 14 } };

describe("health", () => {
  it("answers 200 {status: ok} when every part is up", async () => {
    const res = await api("/health");
    expect(res.status).toBe(200);
    expect(res.json).toEqual({ status: "ok" });
  });
});

describe("the API's own description", () => {
  it("GET /openapi.json answers the OpenAPI 3.1 document of every route, without a key", async () => {
    const res = await api("/openapi.json");
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toMatch(/^application\/json/);
    expect(res.json).toMatchObject({ openapi: "3.1.0", info: { title: expect.any(String) } });
    const paths = res.json.paths as Record<string, Record<string, unknown>>;
    expect(Object.keys(paths)).toEqual(
      expect.arrayContaining(["/v1/orders", "/v1/receipts", "/v1/customer/orders/{orderId}"]),
    );
    expect(paths["/v1/orders"]).toHaveProperty("post");
  });
});

describe("errors are problem+json", () => {
  it("malformed JSON is a 400 and writes nothing", async () => {
    const code = sku();
    const res = await api(`/v1/skus/${code}`, {
      method: "PUT",
      key: keys.storefront,
      rawBody: '{"name": "Widget", "onHand": ',
      headers: { "content-type": "application/json" },
    });
    expectProblem(res, 400);
    expect(String(res.json.type)).toMatch(/\/malformed-json$/);
    expect((await api(`/v1/skus/${code}`, { key: keys.storefront })).status).toBe(404);
  });

  it("wrong types, negative quantities and unknown enum-like fields are 400 with errors", async () => {
    const res = await api(`/v1/skus/${sku()}`, {
      method: "PUT",
      key: keys.storefront,
      body: { name: "Widget", onHand: -1, backorder: { allowed: "yes" } },
    });
    expectProblem(res, 400);
    const paths = (res.json.errors as { path: string }[]).map((e) => e.path);
    expect(paths).toEqual(expect.arrayContaining(["/onHand", "/backorder/allowed"]));
  });

  it("a body over 256 KB is a 400", async () => {
    const res = await api(`/v1/skus/${sku()}`, {
      method: "PUT",
      key: keys.storefront,
      body: { ...widget, name: "x".repeat(300 * 1024) },
    });
    expectProblem(res, 400);
    expect(String(res.json.type)).toMatch(/\/payload-too-large$/);
  });

  it("an unknown route is a 404", async () => {
    expectProblem(await api("/v1/no-such-thing", { key: keys.storefront }), 404);
  });
});

describe("API keys by role (contract §3)", () => {
  it("no credential is a 401", async () => {
    expectProblem(await api(`/v1/skus/${sku()}`), 401);
  });

  it("a wrong API key is a 401", async () => {
    expectProblem(await api(`/v1/skus/${sku()}`, { key: "not-a-real-key" }), 401);
  });

  it("a valid key of the wrong role is a 403 and writes nothing", async () => {
    const code = sku();
    const res = await api(`/v1/skus/${code}`, { method: "PUT", key: keys.warehouse, body: widget });
    expectProblem(res, 403);
    expect((await api(`/v1/skus/${code}`, { key: keys.storefront })).status).toBe(404);
  });

  it("the right key is served", async () => {
    const code = sku();
    const put = await api(`/v1/skus/${code}`, {
      method: "PUT",
      key: keys.storefront,
      body: widget,
    });
    expect(put.status).toBe(201);
    const got = await api(`/v1/skus/${code}`, { key: keys.storefront });
    expect(got.status).toBe(200);
    expect(got.json).toMatchObject({ sku: code, onHand: 3, allocated: 0, available: 3 });
  });
});
