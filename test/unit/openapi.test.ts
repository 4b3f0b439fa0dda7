import { Validator } from "@seriousme/openapi-schema-validator";
import { describe, expect, it } from "vitest";
import { openApiDocument } from "../../shared/http/openapi.ts";
import { ROUTES } from "../../shared/http/routes.ts";

type Doc = {
  openapi: string;
  paths: Record<string, Record<string, Record<string, unknown>>>;
  components: { securitySchemes: Record<string, unknown> };
};

const doc = openApiDocument("http://127.0.0.1:3000") as unknown as Doc;

/** Every route of ../shared/contract.md. */
const CONTRACT_ROUTES = [
  "GET /health",
  "PUT /v1/skus/{sku}",
  "GET /v1/skus/{sku}",
  "POST /v1/orders",
  "GET /v1/orders/{orderId}",
  "GET /v1/orders/{orderId}/notifications",
  "POST /v1/orders/{orderId}/lines/{lineId}/cancel",
  "POST /v1/suppliers/{supplierId}/asns",
  "POST /v1/receipts",
  "GET /v1/receipts/{receiptId}",
  "GET /v1/shipments",
  "POST /v1/shipments/{shipmentId}/shipped",
  "POST /v1/shipments/{shipmentId}/delivered",
  "GET /v1/customer/orders/{orderId}",
  "POST /v1/customer/orders/{orderId}/lines/{lineId}/cancel",
  "POST /v1/customer/orders/{orderId}/lines/{lineId}/consent",
  "POST /v1/customer/orders/{orderId}/lines/{lineId}/substitute",
  "POST /v1/customer/orders/{orderId}/payment-method",
  "GET /openapi.json",
  "GET /v1/reports/backorders",
  "GET /v1/reports/promises",
  "GET /v1/orders",
  "GET /v1/orders/{orderId}/lines/{lineId}/timeline",
  "GET /console",
];

const operations = () =>
  Object.entries(doc.paths).flatMap(([path, methods]) =>
    Object.keys(methods).map((method) => `${method.toUpperCase()} ${path}`),
  );

describe("the OpenAPI document", () => {
  it("is a valid OpenAPI 3.1 document", async () => {
    const validator = new Validator();
    const result = await validator.validate(doc);
    expect(result.errors ?? []).toEqual([]);
    expect(result.valid).toBe(true);
    expect(doc.openapi).toBe("3.1.0");
  });

  it("lists every route of the route table and of the contract, and nothing else", () => {
    const fromTable = ROUTES.map((r) => `${r.method} ${r.path}`);
    expect(operations().sort()).toEqual([...new Set(fromTable)].sort());
    for (const route of CONTRACT_ROUTES) expect(operations(), route).toContain(route);
  });

  it("gives each route its auth and its problems", () => {
    for (const route of ROUTES) {
      const op = doc.paths[route.path]?.[route.method.toLowerCase()] as {
        security: Record<string, unknown>[];
        responses: Record<string, { content?: Record<string, unknown> }>;
      };
      // Every route may be refused by its throttle, with the gateway's own JSON.
      expect(Object.keys(op.responses["429"]?.content ?? {}), route.path).toEqual([
        "application/json",
      ]);
      if (route.auth === "public") {
        expect(op.security, route.path).toEqual([]);
        continue;
      }
      expect(op.security, route.path).toEqual([{ [route.auth]: [] }]);
      expect(doc.components.securitySchemes).toHaveProperty(route.auth);
      for (const status of ["401", "403"]) {
        expect(Object.keys(op.responses[status]?.content ?? {}), `${route.path} ${status}`).toEqual(
          ["application/problem+json"],
        );
      }
    }
  });

  it("describes the bodies from the schemas the handlers validate with", () => {
    const post = doc.paths["/v1/orders"]?.post as {
      parameters: { name: string; in: string; required: boolean }[];
      requestBody: { content: { "application/json": { schema: { required: string[] } } } };
      responses: Record<string, unknown>;
    };
    const schema = post.requestBody.content["application/json"].schema;
    expect(schema.required).toEqual(
      expect.arrayContaining([
        "orderRef",
        "customer",
        "shippingAddress",
        "payment",
        "currency",
        "lines",
      ]),
    );
    // Defaulted on input: a client may leave it out.
    expect(schema.required).not.toContain("splitPolicy");
    expect(post.parameters).toContainEqual(
      expect.objectContaining({ name: "Idempotency-Key", in: "header", required: true }),
    );
    expect(Object.keys(post.responses)).toEqual(
      expect.arrayContaining(["201", "400", "401", "403", "409", "422"]),
    );
    const shipments = doc.paths["/v1/shipments"]?.get as { parameters: { name: string }[] };
    expect(shipments.parameters.map((p) => p.name)).toEqual(["limit", "cursor", "status"]);
  });
});
