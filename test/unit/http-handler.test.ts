import type { Context } from "aws-lambda";
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from "vitest";
import * as z from "zod";
import {
  type HttpEvent,
  type HttpRequest,
  type HttpResponse,
  httpHandler,
  MAX_BODY_BYTES,
} from "../../shared/http/handler.ts";
import { HttpProblem, PROBLEM_CONTENT_TYPE } from "../../shared/http/problem.ts";

const STOREFRONT_KEY = "test-storefront-key";
const STOREFRONT_KEY_NEXT = "test-storefront-key-rotated";
const WAREHOUSE_KEY = "test-warehouse-key";

// The shared logger reads its level when its module loads, before any hook runs.
vi.hoisted(() => {
  vi.stubEnv("POWERTOOLS_LOG_LEVEL", "SILENT");
});

beforeAll(() => {
  // Keys come from the environment when no secret is configured: no AWS call is made.
  vi.stubEnv("BACKORDER_STOREFRONT_KEY_SECRET_ARN", undefined);
  vi.stubEnv("BACKORDER_WAREHOUSE_KEY_SECRET_ARN", undefined);
  vi.stubEnv("BACKORDER_STOREFRONT_API_KEY", `${STOREFRONT_KEY}, ${STOREFRONT_KEY_NEXT}`);
  vi.stubEnv("BACKORDER_WAREHOUSE_API_KEY", WAREHOUSE_KEY);
});

afterAll(() => {
  vi.unstubAllEnvs();
});

const context = {
  callbackWaitsForEmptyEventLoop: false,
  functionName: "put-sku",
  functionVersion: "$LATEST",
  invokedFunctionArn: "arn:aws:lambda:us-east-1:000000000000:function:put-sku",
  memoryLimitInMB: "512",
  awsRequestId: "aws-request-1",
  logGroupName: "/aws/lambda/put-sku",
  logStreamName: "stream",
  getRemainingTimeInMillis: () => 10_000,
  done: () => undefined,
  fail: () => undefined,
  succeed: () => undefined,
} as Context;

interface EventOptions {
  headers?: Record<string, string>;
  body?: string;
  isBase64Encoded?: boolean;
  sku?: string;
}

function event(options: EventOptions = {}): HttpEvent {
  const sku = options.sku ?? "WIDGET";
  return {
    version: "2.0",
    routeKey: "PUT /v1/skus/{sku}",
    rawPath: `/v1/skus/${sku}`,
    rawQueryString: "",
    headers: options.headers ?? {},
    pathParameters: { sku },
    body: options.body,
    isBase64Encoded: options.isBase64Encoded ?? false,
    requestContext: {
      accountId: "000000000000",
      apiId: "local",
      domainName: "localhost",
      domainPrefix: "localhost",
      http: {
        method: "PUT",
        path: `/v1/skus/${sku}`,
        protocol: "HTTP/1.1",
        sourceIp: "127.0.0.1",
        userAgent: "vitest",
      },
      requestId: "req-from-gateway",
      routeKey: "PUT /v1/skus/{sku}",
      stage: "$default",
      time: "01/Mar/2026:00:00:00 +0000",
      timeEpoch: 1_772_323_200_000,
    },
  };
}

const auth = (key: string) => ({ Authorization: `Bearer ${key}` });

const bodySchema = z.object({
  name: z.string().min(1),
  onHand: z.number().int().nonnegative(),
});
type Body = z.infer<typeof bodySchema>;

type Impl = (request: HttpRequest<Body>) => Promise<{ status: number; body?: unknown }>;

/** A handler for the real `put-sku` function (storefront role) with a stand-in impl. */
function handlerWith(impl: Impl) {
  const calls: HttpRequest<Body>[] = [];
  const handler = httpHandler("put-sku", { body: bodySchema }, async (request) => {
    calls.push(request);
    return impl(request);
  });
  const invoke = (e: HttpEvent) => handler(e, context) as Promise<HttpResponse>;
  return { invoke, calls };
}

const echo: Impl = async (req) => ({
  status: 201,
  body: { sku: req.pathParameters.sku, name: req.body.name, correlationId: req.correlationId },
});

const validBody = JSON.stringify({ name: "Widget", onHand: 3 });

function problemOf(response: HttpResponse): Record<string, unknown> {
  expect(response.headers?.["content-type"]).toBe(PROBLEM_CONTENT_TYPE);
  expect(PROBLEM_CONTENT_TYPE).toBe("application/problem+json");
  const body = JSON.parse(String(response.body)) as Record<string, unknown>;
  expect(typeof body.type).toBe("string");
  expect(typeof body.title).toBe("string");
  expect(typeof body.detail).toBe("string");
  expect(body.status).toBe(response.statusCode);
  return body;
}

describe("httpHandler", () => {
  let h: ReturnType<typeof handlerWith>;
  beforeEach(() => {
    h = handlerWith(echo);
  });

  describe("authentication", () => {
    it("answers 401 problem+json without an Authorization header", async () => {
      const response = await h.invoke(event({ body: validBody }));
      expect(response.statusCode).toBe(401);
      const problem = problemOf(response);
      expect(problem.type).toMatch(/\/unauthorized$/);
      expect(h.calls).toHaveLength(0);
    });

    it("answers 401 for a key it does not know", async () => {
      const response = await h.invoke(event({ headers: auth("not-a-key"), body: validBody }));
      expect(response.statusCode).toBe(401);
      problemOf(response);
      expect(h.calls).toHaveLength(0);
    });

    it("answers 401 for a credential that is not a bearer token", async () => {
      const response = await h.invoke(
        event({ headers: { Authorization: `Basic ${STOREFRONT_KEY}` }, body: validBody }),
      );
      expect(response.statusCode).toBe(401);
      expect(h.calls).toHaveLength(0);
    });

    it("answers 403 for a warehouse key on a storefront route", async () => {
      const response = await h.invoke(event({ headers: auth(WAREHOUSE_KEY), body: validBody }));
      expect(response.statusCode).toBe(403);
      const problem = problemOf(response);
      expect(problem.type).toMatch(/\/forbidden$/);
      expect(h.calls).toHaveLength(0);
    });

    it("accepts every storefront key during a rotation, with any header case", async () => {
      const first = await h.invoke(event({ headers: auth(STOREFRONT_KEY), body: validBody }));
      const second = await h.invoke(
        event({ headers: { authorization: `bearer ${STOREFRONT_KEY_NEXT}` }, body: validBody }),
      );
      expect(first.statusCode).toBe(201);
      expect(second.statusCode).toBe(201);
      expect(h.calls).toHaveLength(2);
    });
  });

  describe("body", () => {
    it("answers 400 malformed-json for a body that is not JSON", async () => {
      const response = await h.invoke(
        event({ headers: auth(STOREFRONT_KEY), body: '{"name": "Widget",' }),
      );
      expect(response.statusCode).toBe(400);
      const problem = problemOf(response);
      expect(String(problem.type).endsWith("/malformed-json")).toBe(true);
      expect(h.calls).toHaveLength(0);
    });

    it("answers 400 with one {path, message} per schema issue", async () => {
      const response = await h.invoke(
        event({ headers: auth(STOREFRONT_KEY), body: JSON.stringify({ name: "", onHand: -1 }) }),
      );
      expect(response.statusCode).toBe(400);
      const problem = problemOf(response);
      const errors = problem.errors as { path: string; message: string }[];
      expect(Array.isArray(errors)).toBe(true);
      expect(errors.map((e) => e.path).sort()).toEqual(["/name", "/onHand"]);
      for (const e of errors) {
        expect(typeof e.message).toBe("string");
        expect(e.message.length).toBeGreaterThan(0);
      }
      expect(h.calls).toHaveLength(0);
    });

    it("answers 400 for wrong types", async () => {
      const response = await h.invoke(
        event({ headers: auth(STOREFRONT_KEY), body: JSON.stringify({ name: "W", onHand: "3" }) }),
      );
      expect(response.statusCode).toBe(400);
      const errors = problemOf(response).errors as { path: string }[];
      expect(errors.map((e) => e.path)).toEqual(["/onHand"]);
    });

    it("answers 400 for a missing body", async () => {
      const response = await h.invoke(event({ headers: auth(STOREFRONT_KEY) }));
      expect(response.statusCode).toBe(400);
      problemOf(response);
      expect(h.calls).toHaveLength(0);
    });

    it("answers 400 for a body over 256 KB, and takes one just under it", async () => {
      const padded = (bytes: number) => {
        const base = JSON.stringify({ name: "", onHand: 1 });
        return JSON.stringify({ name: "x".repeat(bytes - base.length), onHand: 1 });
      };
      expect(MAX_BODY_BYTES).toBe(256 * 1024);
      const over = padded(MAX_BODY_BYTES + 1);
      expect(Buffer.byteLength(over)).toBe(MAX_BODY_BYTES + 1);
      const tooBig = await h.invoke(event({ headers: auth(STOREFRONT_KEY), body: over }));
      expect(tooBig.statusCode).toBe(400);
      expect(String(problemOf(tooBig).type)).toMatch(/\/payload-too-large$/);
      expect(h.calls).toHaveLength(0);

      const justFits = await h.invoke(
        event({ headers: auth(STOREFRONT_KEY), body: padded(MAX_BODY_BYTES) }),
      );
      expect(justFits.statusCode).toBe(201);
    });

    it("decodes a base64-encoded body", async () => {
      const response = await h.invoke(
        event({
          headers: auth(STOREFRONT_KEY),
          body: Buffer.from(validBody).toString("base64"),
          isBase64Encoded: true,
        }),
      );
      expect(response.statusCode).toBe(201);
      expect(h.calls[0]?.body).toEqual({ name: "Widget", onHand: 3 });
    });
  });

  describe("errors from the implementation", () => {
    it("turns a plain Error into a generic 500 that leaks nothing", async () => {
      const secret = "ConditionalCheckFailed on table BackorderEngine-DataTable at dynamo.ts:42";
      const failing = handlerWith(async () => {
        throw new Error(secret);
      });
      const response = await failing.invoke(
        event({ headers: auth(STOREFRONT_KEY), body: validBody }),
      );
      expect(response.statusCode).toBe(500);
      const problem = problemOf(response);
      expect(problem.type).toMatch(/\/internal-error$/);
      expect(String(response.body)).not.toContain("ConditionalCheckFailed");
      expect(String(response.body)).not.toContain("dynamo.ts");
      expect(String(response.body)).not.toMatch(/\bat\s.+:\d+/);
      expect(problem).not.toHaveProperty("stack");
    });

    it("turns a thrown non-Error into a 500 too", async () => {
      const failing = handlerWith(async () => {
        throw "boom";
      });
      const response = await failing.invoke(
        event({ headers: auth(STOREFRONT_KEY), body: validBody }),
      );
      expect(response.statusCode).toBe(500);
      expect(String(response.body)).not.toContain("boom");
    });

    it("answers an HttpProblem with its own status and body", async () => {
      const refusing = handlerWith(async () => {
        throw new HttpProblem(409, "insufficient-stock", "Insufficient stock", "Not enough.", {
          lines: [{ lineRef: "1", sku: "WIDGET", requested: 5, available: 2 }],
        });
      });
      const response = await refusing.invoke(
        event({ headers: auth(STOREFRONT_KEY), body: validBody }),
      );
      expect(response.statusCode).toBe(409);
      const problem = problemOf(response);
      expect(problem).toMatchObject({
        type: "/problems/insufficient-stock",
        title: "Insufficient stock",
        status: 409,
        detail: "Not enough.",
        lines: [{ lineRef: "1", sku: "WIDGET", requested: 5, available: 2 }],
      });
    });
  });

  describe("success", () => {
    it("answers JSON and hands the impl the parsed request", async () => {
      const response = await h.invoke(
        event({
          headers: { ...auth(STOREFRONT_KEY), "X-Custom": "v" },
          body: validBody,
          sku: "WIDGET-9",
        }),
      );
      expect(response.statusCode).toBe(201);
      expect(response.headers?.["content-type"]).toBe("application/json");
      expect(JSON.parse(String(response.body))).toMatchObject({ sku: "WIDGET-9", name: "Widget" });
      const request = h.calls[0];
      expect(request?.body).toEqual({ name: "Widget", onHand: 3 });
      expect(request?.pathParameters).toEqual({ sku: "WIDGET-9" });
      expect(request?.headers["x-custom"]).toBe("v");
    });

    it("echoes an incoming x-correlation-id", async () => {
      const response = await h.invoke(
        event({
          headers: { ...auth(STOREFRONT_KEY), "X-Correlation-Id": "corr-123.abc" },
          body: validBody,
        }),
      );
      expect(response.statusCode).toBe(201);
      expect(response.headers?.["x-correlation-id"]).toBe("corr-123.abc");
      expect(h.calls[0]?.correlationId).toBe("corr-123.abc");
    });

    it("echoes the correlation id on problems too", async () => {
      const response = await h.invoke(
        event({ headers: { "x-correlation-id": "corr-401" }, body: validBody }),
      );
      expect(response.statusCode).toBe(401);
      expect(response.headers?.["x-correlation-id"]).toBe("corr-401");
    });

    it("falls back to the gateway's request id when none (or a bad one) is given", async () => {
      const none = await h.invoke(event({ headers: auth(STOREFRONT_KEY), body: validBody }));
      expect(none.headers?.["x-correlation-id"]).toBe("req-from-gateway");
      const bad = await h.invoke(
        event({
          headers: { ...auth(STOREFRONT_KEY), "x-correlation-id": "has spaces <and> tags" },
          body: validBody,
        }),
      );
      expect(bad.headers?.["x-correlation-id"]).toBe("req-from-gateway");
    });

    it("answers an empty body when the impl returns none", async () => {
      const quiet = handlerWith(async () => ({ status: 204 }));
      const response = await quiet.invoke(
        event({ headers: auth(STOREFRONT_KEY), body: validBody }),
      );
      expect(response.statusCode).toBe(204);
      expect(response.body).toBe("");
    });
  });
});
