import { randomUUID } from "node:crypto";
import { inject } from "vitest";
import type { LocalStackManifest } from "../../infra/local/stack.ts";

/** A stack of this test file's own (see own-stack.ts), else the suite's shared one. */
let ownStack: LocalStackManifest | undefined;

/** Points this file's calls at a stack of its own (own-stack.ts calls it). */
export function useStack(stack: LocalStackManifest | undefined): void {
  ownStack = stack;
}

export const apiUrl = (): string => ownStack?.urls.api ?? inject("apiUrl");

/** The local stack; the suites under test/e2e/local only run locally. */
export function localStack(): LocalStackManifest {
  const stack = ownStack ?? inject("stack");
  if (!stack) throw new Error("this test needs the local stack");
  return stack;
}

/** True when the tests run against a local stack (not a deployed stage). */
export const isLocal = (): boolean => (ownStack ?? inject("stack")) !== null;

/**
 * Waits until the system has finished what it was doing, before asserting that nothing
 * more happened: locally until the stack is idle (`GET /_local/idle`: no Lambda call, timer
 * or execution step in flight, every execution parked or done); against a deployed stage,
 * which cannot say, a fixed `deployedMs`. Up to a minute: on a loaded machine a step can
 * run past its function's timeout and sit in its retry's back-off, or wait out an email's
 * 30-second claim, and the stack is busy meanwhile (seen once in a full run on 2 CPUs).
 */
export async function settled({ deployedMs = 1500, timeoutMs = 60_000 } = {}): Promise<void> {
  if (!isLocal()) {
    await new Promise((r) => setTimeout(r, deployedMs));
    return;
  }
  const res = await fetch(`${apiUrl()}/_local/idle?timeoutMs=${timeoutMs}`);
  if (res.status !== 200) {
    throw new Error(`the local stack did not become idle: ${res.status} ${await res.text()}`);
  }
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

/**
 * Every item of a paged list (contract §2): `field` of each page, following `nextCursor`
 * until it is null. For lists that other tests add to (the shared stack, a deployed stage).
 */
export async function allPages<T>(
  path: string,
  field: string,
  key: string,
  limit = 1000,
): Promise<T[]> {
  const items: T[] = [];
  let cursor: string | null = null;
  do {
    const after: string = cursor ? `&cursor=${encodeURIComponent(cursor)}` : "";
    const res = await api(`${path}${path.includes("?") ? "&" : "?"}limit=${limit}${after}`, {
      key,
    });
    if (res.status !== 200) throw new Error(`GET ${path} answered ${res.status}: ${res.text}`);
    items.push(...(res.json[field] as T[]));
    cursor = res.json.nextCursor as string | null;
  } while (cursor);
  return items;
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

/** A fresh SKU code, so tests never share stock (also on a shared deployed stage). */
export const newSku = (prefix = "E2E") => `${prefix}-${randomUUID().slice(0, 8).toUpperCase()}`;

export async function putSku(sku: string, body: Record<string, unknown>) {
  const res = await api(`/v1/skus/${sku}`, { method: "PUT", key: keys.storefront, body });
  if (res.status !== 200 && res.status !== 201) throw new Error(`PUT sku failed: ${res.text}`);
  return res.json;
}

export async function getSku(sku: string) {
  const res = await api(`/v1/skus/${sku}`, { key: keys.storefront });
  if (res.status !== 200) throw new Error(`GET sku failed: ${res.text}`);
  return res.json;
}

export interface OrderLineInput {
  lineRef: string;
  sku: string;
  qty: number;
  unitPrice?: number;
}

/** A valid order body for the given lines; `overrides` replace top-level fields. */
export function orderBody(lines: OrderLineInput[], overrides: Record<string, unknown> = {}) {
  return {
    orderRef: `SHOP-${randomUUID().slice(0, 6)}`,
    customer: { email: `ada-${randomUUID().slice(0, 8)}@example.com`, name: "Ada Lovelace" },
    shippingAddress: {
      line1: "1 Main St",
      city: "Springfield",
      postalCode: "12345",
      country: "US",
    },
    splitPolicy: "ship_as_available",
    payment: { provider: "sandbox", customerRef: "cus_1", paymentMethodRef: "pm_card_visa" },
    currency: "USD",
    lines: lines.map((l) => ({ unitPrice: 1999, ...l })),
    ...overrides,
  };
}

export function postOrder(body: unknown, idempotencyKey: string | null = randomUUID()) {
  return api("/v1/orders", {
    method: "POST",
    key: keys.storefront,
    body,
    headers: idempotencyKey === null ? {} : { "idempotency-key": idempotencyKey },
  });
}

/** Today (UTC) as the server sees it: the virtual clock locally, else the real date. */
export async function serverToday(): Promise<string> {
  const res = await api("/_local/clock");
  const now = res.status === 200 ? new Date(String(res.json.now)) : new Date();
  return now.toISOString().slice(0, 10);
}

export function addDaysTo(date: string, days: number): string {
  return new Date(Date.parse(`${date}T00:00:00Z`) + days * 86_400_000).toISOString().slice(0, 10);
}
