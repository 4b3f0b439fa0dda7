import { existsSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { repoRoot } from "../../infra/paths.ts";
import {
  FUNCTION_NAMES,
  FUNCTIONS,
  functionEntry,
  matchRoute,
  ROUTES,
  roleOf,
} from "../../shared/http/routes.ts";

describe("matchRoute", () => {
  it("matches a route and extracts its path parameters", () => {
    const result = matchRoute("GET", "/v1/skus/WIDGET-1");
    expect(result.match).not.toBeNull();
    if (!result.match) return;
    expect(result.match.route.fn).toBe("get-sku");
    expect(result.match.pathParameters).toEqual({ sku: "WIDGET-1" });
  });

  it("URL-decodes path parameters", () => {
    const result = matchRoute("PUT", "/v1/skus/WIDGET%20BLUE%2F2");
    expect(result.match?.route.fn).toBe("put-sku");
    expect(result.match?.pathParameters).toEqual({ sku: "WIDGET BLUE/2" });
  });

  it("matches methods case-insensitively", () => {
    expect(matchRoute("get", "/health").match?.route.fn).toBe("get-health");
  });

  it("tells a path it does not know", () => {
    expect(matchRoute("GET", "/v1/nothing")).toEqual({
      match: null,
      pathKnown: false,
    });
    // Extra or missing segments are other paths.
    expect(matchRoute("GET", "/v1/skus")).toMatchObject({ match: null, pathKnown: false });
    expect(matchRoute("GET", "/v1/skus/A/B")).toMatchObject({ match: null, pathKnown: false });
    // An empty parameter is not a parameter.
    expect(matchRoute("GET", "/v1/skus/")).toMatchObject({ match: null, pathKnown: false });
  });

  it("tells a known path called with the wrong method", () => {
    expect(matchRoute("DELETE", "/v1/skus/WIDGET")).toEqual({
      match: null,
      pathKnown: true,
    });
    expect(matchRoute("POST", "/health")).toMatchObject({ match: null, pathKnown: true });
  });

  it("does not match a malformed percent-encoding", () => {
    expect(matchRoute("GET", "/v1/skus/%E0%A4%A")).toMatchObject({ match: null, pathKnown: false });
  });

  it("matches every route of the table to itself", () => {
    for (const route of ROUTES) {
      const path = route.path.replace(/\{(\w+)\}/g, "x-$1");
      const result = matchRoute(route.method, path);
      expect(result.match?.route, `${route.method} ${route.path}`).toBe(route);
    }
  });
});

describe("roleOf", () => {
  it("gives the role of a function's routes", () => {
    expect(roleOf("get-health")).toBe("public");
    expect(roleOf("put-sku")).toBe("storefront");
    expect(roleOf("get-sku")).toBe("storefront");
  });

  it("refuses a function that serves no route", () => {
    expect(() => roleOf("advance-line")).toThrow(/exactly one role/);
  });
});

describe("route and function tables", () => {
  it("routes only to functions that exist", () => {
    for (const route of ROUTES) expect(Object.keys(FUNCTIONS)).toContain(route.fn);
  });

  it("has no two routes with the same method and path", () => {
    const keys = ROUTES.map((r) => `${r.method} ${r.path}`);
    expect(new Set(keys).size).toBe(keys.length);
  });

  it("has no two routes that differ only in a parameter's name", () => {
    const shapes = ROUTES.map((r) => `${r.method} ${r.path.replace(/\{\w+\}/g, "{}")}`);
    expect(new Set(shapes).size).toBe(shapes.length);
  });

  it("gives every routed function exactly one role", () => {
    for (const fn of new Set(ROUTES.map((r) => r.fn))) expect(() => roleOf(fn)).not.toThrow();
  });

  it("serves the contract's catalog and health routes", () => {
    const keys = ROUTES.map((r) => `${r.method} ${r.path}`);
    expect(keys).toEqual(
      expect.arrayContaining(["GET /health", "PUT /v1/skus/{sku}", "GET /v1/skus/{sku}"]),
    );
  });

  it("lists every function, each with a kebab-case handler module", () => {
    expect([...FUNCTION_NAMES].sort()).toEqual(Object.keys(FUNCTIONS).sort());
    for (const name of FUNCTION_NAMES) {
      expect(name).toMatch(/^[a-z]+(-[a-z]+)+$/);
      expect(functionEntry(name)).toBe(`functions/${name}/handler.ts`);
      expect(existsSync(join(repoRoot, functionEntry(name))), functionEntry(name)).toBe(true);
    }
  });
});
