/**
 * The one table of routes and Lambda functions. The CDK app builds the HTTP API and the
 * functions from it; the local gateway serves the same routes with the same handlers.
 */

/** Who may call a route (contract §3). `public` needs no credential. */
export type Role = "storefront" | "warehouse" | "supplier" | "customer" | "public";

/** What a function may touch; the CDK app turns these into least-privilege grants. */
export type Access =
  | "table:read"
  | "table:write"
  | "workflow:start"
  | "workflow:signal"
  /** Start bulk jobs (the bulk state machine): work too large for the HTTP call. */
  | "bulk:start"
  /** Describe the line machine's executions (the reconciler's backstop). */
  | "workflow:read"
  /** Read the line machine's execution histories (a line's timeline). */
  | "workflow:history"
  | "email:send"
  /** Read the storefront's and the warehouse's API keys: a route checks its own role's, and
   * must tell a valid key of the other role (403) from no valid key (401), contract §3. */
  | "api-keys:read"
  /** Read the secret customer links are signed with (customer routes verify tokens). */
  | "links:read"
  /** Read the payment provider's credentials (intake's check that the provider is set up). */
  | "payments:read"
  /** Charge and refund through the payment provider: its key, and its SDK in the bundle. */
  | "payments:charge"
  /** Read the suppliers' webhook secrets. */
  | "suppliers:read";

/**
 * Events a function is run on (an EventBridge rule on AWS; the local stack delivers the
 * same events to the same handler). `line-execution-stopped`: Step Functions' "Execution
 * Status Change" of a line machine execution that FAILED, TIMED_OUT or was ABORTED.
 * `email-feedback`: SES's "Email Bounced", "Email Complaint Received" and "Email Rejected"
 * events of the engine's configuration set.
 */
export type EventTrigger = "line-execution-stopped" | "email-feedback";

export interface FunctionSpec {
  description: string;
  access: readonly Access[];
  /** Seconds; defaults to 10. */
  timeoutSeconds?: number;
  /** Run on a schedule, every so many minutes (EventBridge on AWS; the virtual clock locally). */
  scheduleMinutes?: number;
  /** Run on these events, delivered at least once. */
  onEvent?: EventTrigger;
}

/** What a function that may cancel a line needs: release its units to the next waiting
 * line (start and wake executions), refund it, email the customer. */
const CANCELS_LINES = [
  "table:read",
  "table:write",
  "workflow:start",
  "workflow:signal",
  "email:send",
  "payments:charge",
] as const satisfies readonly Access[];

export const FUNCTIONS = {
  "get-health": {
    description: "GET /health: the API and its table are reachable",
    access: ["table:read"],
  },
  "get-openapi": {
    description: "GET /openapi.json: the OpenAPI 3.1 document of this API",
    access: [],
  },
  "get-backorder-report": {
    description: "GET /v1/reports/backorders: the backorder book per SKU (JSON or CSV), paged",
    access: ["table:read", "api-keys:read"],
    timeoutSeconds: 29,
  },
  "get-promise-report": {
    description: "GET /v1/reports/promises: how often promises were kept (JSON or CSV)",
    access: ["table:read", "api-keys:read"],
  },
  "put-sku": {
    description: "PUT /v1/skus/{sku}: create or update a SKU's stock and backorder policy",
    access: [
      "table:read",
      "table:write",
      "workflow:start",
      "workflow:signal",
      "api-keys:read",
      "bulk:start",
    ],
    timeoutSeconds: 30,
  },
  "get-sku": {
    description: "GET /v1/skus/{sku}: a SKU with its computed stock figures",
    access: ["table:read", "api-keys:read"],
  },
  "post-order": {
    description: "POST /v1/orders: take an order, allocating or backordering each line",
    access: [
      "table:read",
      "table:write",
      "workflow:start",
      "email:send",
      "api-keys:read",
      "payments:read",
    ],
    timeoutSeconds: 30,
  },
  "get-order": {
    description: "GET /v1/orders/{orderId}: an order with its lines and their history",
    access: ["table:read", "api-keys:read"],
  },
  "get-orders": {
    description: "GET /v1/orders?orderRef|email: orders by their ref or customer email, paged",
    access: ["table:read", "api-keys:read"],
  },
  "get-line-timeline": {
    description:
      "GET /v1/orders/{orderId}/lines/{lineId}/timeline: a line's statuses, emails, charges, wakes",
    access: ["table:read", "workflow:history", "api-keys:read"],
  },
  "get-console": {
    description: "GET /console: the operator console (a page and its script, no data)",
    access: [],
  },
  "get-order-notifications": {
    description: "GET /v1/orders/{orderId}/notifications: the emails sent for an order",
    access: ["table:read", "api-keys:read"],
  },
  "post-receipt": {
    description: "POST /v1/receipts: stock arrived; waiting lines get it oldest first",
    access: [
      "table:read",
      "table:write",
      "workflow:start",
      "workflow:signal",
      "email:send",
      "api-keys:read",
      "bulk:start",
    ],
    timeoutSeconds: 30,
  },
  "cancel-line": {
    description: "POST /v1/orders/{orderId}/lines/{lineId}/cancel: cancel a line before it ships",
    access: [...CANCELS_LINES, "api-keys:read"],
    timeoutSeconds: 30,
  },
  "revoke-customer-links": {
    description:
      "POST /v1/orders/{orderId}/links/revoke: the order's customer links emailed so far stop opening",
    access: ["table:read", "table:write", "api-keys:read"],
  },
  "get-shipments": {
    description: "GET /v1/shipments: shipments the warehouse is asked to send",
    access: ["table:read", "api-keys:read"],
  },
  "post-shipment-shipped": {
    description: "POST /v1/shipments/{shipmentId}/shipped: the carrier has the shipment",
    access: ["table:read", "table:write", "workflow:signal", "api-keys:read"],
    timeoutSeconds: 30,
  },
  "post-shipment-delivered": {
    description: "POST /v1/shipments/{shipmentId}/delivered: the customer has the shipment",
    access: ["table:read", "table:write", "workflow:signal", "api-keys:read"],
    timeoutSeconds: 30,
  },
  "post-asn": {
    description: "POST /v1/suppliers/{supplierId}/asns: a supplier's signed shipping notice",
    // A notice that shows a line will miss its promise wakes the line to tell it at once.
    access: [
      "table:read",
      "table:write",
      "suppliers:read",
      "email:send",
      "bulk:start",
      "workflow:signal",
    ],
    timeoutSeconds: 30,
  },
  "get-customer-order": {
    description: "GET /v1/customer/orders/{orderId}: the customer's order page (JSON or HTML)",
    access: ["table:read", "links:read"],
  },
  "customer-cancel-line": {
    description: "POST /v1/customer/orders/{orderId}/lines/{lineId}/cancel: the customer cancels",
    access: [...CANCELS_LINES, "links:read"],
    timeoutSeconds: 30,
  },
  "post-consent": {
    description: "POST /v1/customer/orders/{orderId}/lines/{lineId}/consent: keep waiting",
    access: ["table:read", "table:write", "workflow:signal", "links:read"],
  },
  "post-substitute": {
    description: "POST /v1/customer/orders/{orderId}/lines/{lineId}/substitute: take a substitute",
    access: [...CANCELS_LINES, "links:read"],
    timeoutSeconds: 30,
  },
  "post-payment-method": {
    description: "POST /v1/customer/orders/{orderId}/payment-method: a new payment method",
    access: ["table:read", "table:write", "workflow:signal", "links:read"],
  },
  "reconcile-orders": {
    description:
      "Every 5 minutes: finish orders cut off after their write and receipts never finished; restart live lines whose execution stopped or never started (the backstop)",
    access: [
      "table:read",
      "table:write",
      "workflow:start",
      "workflow:read",
      "email:send",
      "bulk:start",
    ],
    timeoutSeconds: 300,
    scheduleMinutes: 5,
  },
  "deliver-wakes": {
    description:
      "Every minute: wakes lines whose wake-up failed or was cut off (the wake outbox), with backoff",
    access: ["table:read", "table:write", "workflow:signal"],
    timeoutSeconds: 120,
    scheduleMinutes: 1,
  },
  "restart-line": {
    description: "A line execution failed, timed out or was aborted: restart the line",
    access: ["table:read", "table:write", "workflow:start"],
    timeoutSeconds: 30,
    onEvent: "line-execution-stopped",
  },
  "record-email-feedback": {
    description:
      "SES bounces, complaints and rejects: marks the email on its order (SES suppresses the address)",
    access: ["table:read", "table:write"],
    onEvent: "email-feedback",
  },
  "run-bulk-job": {
    description:
      "Bulk machine: work on a receipt, stock raise or notice's fan-out for a while; say if done",
    access: ["table:read", "table:write", "workflow:start", "workflow:signal", "email:send"],
    timeoutSeconds: 120,
  },
  "get-receipt": {
    description: "GET /v1/receipts/{receiptId}: a receipt's status and cross-dock list, paged",
    access: ["table:read", "api-keys:read"],
  },
  "advance-line": {
    description:
      "Line workflow: move a line on as far as it can go now (escalate, ship, charge, email)",
    access: CANCELS_LINES,
    timeoutSeconds: 60,
  },
  "park-line": {
    description: "Line workflow: record the task token a waiting line is resumed with",
    access: ["table:read", "table:write"],
  },
} as const satisfies Record<string, FunctionSpec>;

export type FunctionName = keyof typeof FUNCTIONS;

export const FUNCTION_NAMES = Object.keys(FUNCTIONS) as FunctionName[];

/** Functions run on a schedule, with their period in minutes. */
export function scheduledFunctions(): { name: FunctionName; everyMinutes: number }[] {
  return FUNCTION_NAMES.flatMap((name) => {
    const spec: FunctionSpec = FUNCTIONS[name];
    return spec.scheduleMinutes ? [{ name, everyMinutes: spec.scheduleMinutes }] : [];
  });
}

/** Functions run on events, with the events they are run on. */
export function eventFunctions(): { name: FunctionName; onEvent: EventTrigger }[] {
  return FUNCTION_NAMES.flatMap((name) => {
    const spec: FunctionSpec = FUNCTIONS[name];
    return spec.onEvent ? [{ name, onEvent: spec.onEvent }] : [];
  });
}

/** Handler module of a function, relative to the repository root. */
export function functionEntry(name: FunctionName): string {
  return `functions/${name}/handler.ts`;
}

export type HttpMethod = "GET" | "POST" | "PUT" | "DELETE";

export interface Route {
  method: HttpMethod;
  /** API Gateway path syntax: `/v1/skus/{sku}`. */
  path: string;
  fn: FunctionName;
  auth: Role;
}

/**
 * Requests a second each route takes, and the burst it absorbs, by who calls it: the HTTP
 * API stage's route throttles (infra/constructs/http-api.ts), which the local gateway
 * enforces too (infra/local/limits.ts). Each route has a bucket of its own, so a caller's
 * flood (a supplier resending notices, a scraper on customer links) is refused on its own
 * routes with 429 before any function runs, and never takes the storefront's share.
 */
export const ROUTE_THROTTLES: Readonly<Record<Role, { perSecond: number; burst: number }>> = {
  storefront: { perSecond: 500, burst: 1000 },
  warehouse: { perSecond: 100, burst: 200 },
  supplier: { perSecond: 50, burst: 100 },
  customer: { perSecond: 100, burst: 200 },
  public: { perSecond: 50, burst: 100 },
};

/** A route's key, as API Gateway names it: `POST /v1/orders`. */
export const routeKeyOf = (route: Pick<Route, "method" | "path">) =>
  `${route.method} ${route.path}`;

export const ROUTES: readonly Route[] = [
  { method: "GET", path: "/health", fn: "get-health", auth: "public" },
  { method: "GET", path: "/openapi.json", fn: "get-openapi", auth: "public" },
  { method: "PUT", path: "/v1/skus/{sku}", fn: "put-sku", auth: "storefront" },
  { method: "GET", path: "/v1/skus/{sku}", fn: "get-sku", auth: "storefront" },
  { method: "POST", path: "/v1/orders", fn: "post-order", auth: "storefront" },
  { method: "POST", path: "/v1/receipts", fn: "post-receipt", auth: "warehouse" },
  { method: "GET", path: "/v1/receipts/{receiptId}", fn: "get-receipt", auth: "warehouse" },
  { method: "POST", path: "/v1/suppliers/{supplierId}/asns", fn: "post-asn", auth: "supplier" },
  { method: "GET", path: "/v1/orders", fn: "get-orders", auth: "storefront" },
  { method: "GET", path: "/v1/orders/{orderId}", fn: "get-order", auth: "storefront" },
  {
    method: "GET",
    path: "/v1/orders/{orderId}/lines/{lineId}/timeline",
    fn: "get-line-timeline",
    auth: "storefront",
  },
  { method: "GET", path: "/console", fn: "get-console", auth: "public" },
  { method: "GET", path: "/console/{asset}", fn: "get-console", auth: "public" },
  {
    method: "GET",
    path: "/v1/orders/{orderId}/notifications",
    fn: "get-order-notifications",
    auth: "storefront",
  },
  {
    method: "POST",
    path: "/v1/orders/{orderId}/lines/{lineId}/cancel",
    fn: "cancel-line",
    auth: "storefront",
  },
  {
    method: "POST",
    path: "/v1/orders/{orderId}/links/revoke",
    fn: "revoke-customer-links",
    auth: "storefront",
  },
  { method: "GET", path: "/v1/shipments", fn: "get-shipments", auth: "warehouse" },
  {
    method: "GET",
    path: "/v1/reports/backorders",
    fn: "get-backorder-report",
    auth: "storefront",
  },
  {
    method: "GET",
    path: "/v1/reports/promises",
    fn: "get-promise-report",
    auth: "storefront",
  },
  {
    method: "POST",
    path: "/v1/shipments/{shipmentId}/shipped",
    fn: "post-shipment-shipped",
    auth: "warehouse",
  },
  {
    method: "POST",
    path: "/v1/shipments/{shipmentId}/delivered",
    fn: "post-shipment-delivered",
    auth: "warehouse",
  },
  {
    method: "GET",
    path: "/v1/customer/orders/{orderId}",
    fn: "get-customer-order",
    auth: "customer",
  },
  {
    method: "POST",
    path: "/v1/customer/orders/{orderId}/lines/{lineId}/cancel",
    fn: "customer-cancel-line",
    auth: "customer",
  },
  {
    method: "POST",
    path: "/v1/customer/orders/{orderId}/lines/{lineId}/consent",
    fn: "post-consent",
    auth: "customer",
  },
  {
    method: "POST",
    path: "/v1/customer/orders/{orderId}/lines/{lineId}/substitute",
    fn: "post-substitute",
    auth: "customer",
  },
  {
    method: "POST",
    path: "/v1/customer/orders/{orderId}/payment-method",
    fn: "post-payment-method",
    auth: "customer",
  },
];

/** The role a function's routes require (every route of one function shares it). */
export function roleOf(fn: FunctionName): Role {
  const roles = new Set(ROUTES.filter((r) => r.fn === fn).map((r) => r.auth));
  const [role, ...rest] = [...roles];
  if (!role || rest.length > 0) {
    throw new Error(`function ${fn} must serve routes of exactly one role`);
  }
  return role;
}

export interface RouteMatch {
  route: Route;
  pathParameters: Record<string, string>;
}

/** Finds the route for a method and path; without a match, `pathKnown` tells a 405 from a 404. */
export function matchRoute(
  method: string,
  path: string,
): { match: RouteMatch } | { match: null; pathKnown: boolean } {
  let pathKnown = false;
  for (const route of ROUTES) {
    const params = matchPath(route.path, path);
    if (!params) continue;
    pathKnown = true;
    if (route.method === method.toUpperCase()) return { match: { route, pathParameters: params } };
  }
  return { match: null, pathKnown };
}

function matchPath(template: string, path: string): Record<string, string> | null {
  const t = template.split("/");
  const p = path.split("/");
  if (t.length !== p.length) return null;
  const params: Record<string, string> = {};
  for (let i = 0; i < t.length; i++) {
    const seg = t[i] as string;
    const actual = p[i] as string;
    if (seg.startsWith("{") && seg.endsWith("}")) {
      if (actual === "") return null;
      try {
        params[seg.slice(1, -1)] = decodeURIComponent(actual);
      } catch {
        return null;
      }
    } else if (seg !== actual) {
      return null;
    }
  }
  return params;
}
