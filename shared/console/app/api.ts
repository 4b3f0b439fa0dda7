import type { PromiseFigures } from "../../domain/outcomes.ts";
import type { BackorderRow } from "../../domain/reports.ts";
import type { TimelineEvent } from "../../domain/timeline.ts";

/** Where the storefront key is kept while the tab is open (never in a cookie or on disk). */
const KEY_STORE = "backorder-console.key";

export const storedKey = (): string | null => sessionStorage.getItem(KEY_STORE);
export const storeKey = (key: string | null): void => {
  if (key) sessionStorage.setItem(KEY_STORE, key);
  else sessionStorage.removeItem(KEY_STORE);
};

/** The key was refused: the console asks for it again. */
export class Unauthorized extends Error {
  override readonly name = "Unauthorized";
}

/** The API this console came from: its routes sit beside `/console` (a stage prefix too). */
export function apiUrl(path: string): string {
  return new URL(path.replace(/^\//, ""), new URL(".", window.location.href)).href;
}

/** GET a route of the API with the storefront key; problem details become an Error. */
export async function apiGet<T>(path: string, key: string): Promise<T> {
  const res = await fetch(apiUrl(path), {
    headers: { authorization: `Bearer ${key}`, accept: "application/json" },
  });
  if (res.status === 401 || res.status === 403) throw new Unauthorized("the key was refused");
  const body = (await res.json().catch(() => null)) as (T & { detail?: string }) | null;
  if (!res.ok) throw new Error(body?.detail ?? `${res.status} ${res.statusText}`);
  return body as T;
}

export const q = encodeURIComponent;

export type { BackorderRow, PromiseFigures, TimelineEvent };

export interface BackorderPage {
  skus: BackorderRow[];
  nextCursor: string | null;
}

export interface SkuDetail {
  sku: string;
  name: string;
  onHand: number;
  available: number;
  backorderedQty: number;
  inbound: { asnId: string; qty: number; estimatedDeliveryAt: string }[];
  nextEta: string | null;
}

export interface PromiseReport {
  from: string;
  to: string;
  total: PromiseFigures;
  skus: (PromiseFigures & { sku: string })[];
}

export interface OrderSummary {
  orderId: string;
  orderRef: string;
  createdAt: string;
  customer: { email: string; name: string };
  currency: string;
}

export interface OrderLine {
  lineId: string;
  lineRef: string;
  sku: string;
  qty: number;
  status: string;
  eta: string | null;
  promisedBy: string;
  unitPrice: number;
  trackingNumber: string | null;
}

export interface OrderDetail extends OrderSummary {
  status: string;
  lines: OrderLine[];
}

export interface Timeline {
  orderId: string;
  orderRef: string;
  customer: { email: string; name: string };
  line: OrderLine & {
    name: string | null;
    currency: string;
    firstPromisedBy: string;
    delays: number;
    cancelReason: string | null;
    carrier: string | null;
    executionRestarts: number;
  };
  events: TimelineEvent[];
  runsOmitted: number;
  truncated: boolean;
}
