import { inject } from "vitest";
import type { LocalStackManifest } from "../../infra/local/stack.ts";

export const apiUrl = (): string => inject("apiUrl");

/** The local stack; the suites under test/e2e/local only run locally. */
export function localStack(): LocalStackManifest {
  const stack = inject("stack");
  if (!stack) throw new Error("this test needs the local stack");
  return stack;
}

export const keys = {
  storefront: process.env.BACKORDER_E2E_STOREFRONT_KEY ?? "local-storefront-key",
  warehouse: process.env.BACKORDER_E2E_WAREHOUSE_KEY ?? "local-warehouse-key",
};

export interface ApiCall {
  method?: string;
  key?: string | null;
  body?: unknown;
  rawBody?: string;
  headers?: Record<string, string>;
}

export async function api(path: string, call: ApiCall = {}) {
  const headers: Record<string, string> = { ...call.headers };
  if (call.key) headers.authorization = `Bearer ${call.key}`;
  let body: string | undefined = call.rawBody;
  if (call.body !== undefined) {
    body = JSON.stringify(call.body);
    headers["content-type"] = "application/json";
  }
  const res = await fetch(`${apiUrl()}${path}`, { method: call.method ?? "GET", headers, body });
  const text = await res.text();
  let json: unknown = null;
  try {
    json = text ? JSON.parse(text) : null;
  } catch {
    json = null;
  }
  return { status: res.status, headers: res.headers, json: json as Record<string, unknown>, text };
}

/** Polls `check` until it returns a value other than undefined/false, or fails. */
export async function eventually<T>(
  check: () => Promise<T | undefined | false>,
  { timeoutMs = 15_000, intervalMs = 100, what = "condition" } = {},
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const value = await check();
      if (value !== undefined && value !== false) return value;
    } catch (error) {
      last = error;
    }
    if (Date.now() > deadline) {
      throw new Error(`timed out waiting for ${what}${last ? `: ${String(last)}` : ""}`);
    }
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}
