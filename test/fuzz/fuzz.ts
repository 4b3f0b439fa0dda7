import { randomUUID } from "node:crypto";
import { request } from "node:http";
import { seeded } from "../../infra/local/faults.ts";
import { ROUTES, type Route, routeKeyOf } from "../../shared/http/routes.ts";
import { signOrderToken } from "../../shared/links/customer-links.ts";
import { signWebhook } from "../../shared/links/standard-webhooks.ts";

/**
 * A bounded fuzzer over every route of the HTTP API (issue 15), run against a live stack:
 * requests built from a valid one per route, then bent (bodies, headers, paths, auth) by a
 * seeded generator, so a failing run can be replayed from its seed. Each answer is judged:
 * never a 5xx, never a stack trace or an internal name, a problem (or API Gateway's
 * `{"message"}`) for every refusal, and nothing written in the table by a refused write.
 */

export interface FuzzTarget {
  apiUrl: string;
  keys: { storefront: string; warehouse: string };
  supplier: { id: string; secret: string };
  linkSecret: string;
  /** The whole table as item key → item (JSON): what a refused call must leave alone. */
  snapshot(): Promise<Map<string, string>>;
}

/** Things of the stack the valid requests name: made by `seedFixtures`. */
export interface Fixtures {
  stockSku: string;
  backorderSku: string;
  receiptSku: string;
  orderId: string;
  /** An order of its own for withdrawing links, so the customer routes' token (of
   * `orderId`) keeps opening. */
  revokeOrderId: string;
  lineId: string;
  shipmentId: string;
  receiptId: string;
  tokenExpiresAt: Date;
}

export interface RouteTotals {
  requests: number;
  "2xx": number;
  "4xx": number;
  "5xx": number;
  /** Refused writes whose table was compared before and after. */
  refusalsChecked: number;
}

export interface FuzzReport {
  seed: number;
  requests: number;
  byRoute: Record<string, RouteTotals>;
  /** What broke a rule, each with the request that did it (replayable from the seed). */
  failures: string[];
}

/** Seeded PRNG (mulberry32, the local faults' own): the same seed makes the same requests. */
export const prng = seeded;

type Rand = () => number;
const pick = <T>(rand: Rand, xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)] as T;

/** What an answer must never carry: a trace, a file, an SDK error, a key of the table. */
const LEAKS: readonly [string, RegExp][] = [
  ["stack trace", /\n\s+at [\w.<>]+ \(|at [\w./-]+\.[cm]?[jt]s:\d+/],
  ["source path", /node_modules|\/functions\/|\/shared\/|\.ts:\d+/],
  ["runtime error", /\b(TypeError|ReferenceError|SyntaxError|RangeError)\b/],
  [
    "AWS internals",
    /ConditionalCheckFailed|TransactionCanceled|ValidationException|ResourceNotFound|DynamoDB|dynamodb|arn:aws/,
  ],
  ["table keys", /"(pk|sk|gsi\d(pk|sk))"|\b(ORDER|SKU|LINE|IDEMP|NOTIF|WAITING|RECEIPT)#[\w-]*/],
];

const HOSTILE_STRINGS = [
  "",
  " ",
  "\u0000",
  "<script>alert(1)</script>",
  "__proto__",
  "constructor",
  "SKU#X",
  "ORDER#1",
  "../../etc/passwd",
  "💥🦀",
  "x".repeat(5_000),
  "' OR 1=1 --",
  "\u0024{jndi:ldap://x}",
  "{{7*7}}",
  "%00",
  "\ud800",
];

/** The hostile strings an HTTP header can carry (printable ASCII). */
const HEADER_SAFE_HOSTILE = HOSTILE_STRINGS.filter((s) => /^[\x20-\x7e]*$/.test(s));

const HOSTILE_SCALARS: unknown[] = [
  null,
  true,
  false,
  0,
  -1,
  1.5,
  2 ** 53,
  -(2 ** 53),
  1e308,
  -1e308,
  "1",
  [],
  {},
  ...HOSTILE_STRINGS,
];

const HOSTILE_PATH_SEGMENTS = [
  "__proto__",
  "constructor",
  "toString",
  "..",
  "%2e%2e",
  "%2F",
  "a".repeat(3_000),
  "%00",
  "ORDER%23x",
  "%ZZ",
  "%20",
  "%C3%BC",
  "ord_00000000000000000000000000",
  "ln_00000000000000000000000000",
  "1",
];

function nested(depth: number): unknown {
  let v: unknown = 1;
  for (let i = 0; i < depth; i++) v = { a: v };
  return v;
}

/** One value bent: a hostile scalar, a key dropped or added, an array blown up. */
function mutate(rand: Rand, value: unknown, depth = 0): unknown {
  if (Array.isArray(value)) {
    const r = rand();
    if (r < 0.15) return [];
    if (r < 0.25) return Array.from({ length: 200 + Math.floor(rand() * 1_000) }, () => value[0]);
    if (r < 0.35 || value.length === 0) return pick(rand, HOSTILE_SCALARS);
    const i = Math.floor(rand() * value.length);
    return value.map((v, j) => (j === i ? mutate(rand, v, depth + 1) : v));
  }
  if (value && typeof value === "object") {
    const entries = Object.entries(value as Record<string, unknown>);
    const r = rand();
    if (r < 0.1 || entries.length === 0) return pick(rand, HOSTILE_SCALARS);
    if (r < 0.25) {
      const drop = Math.floor(rand() * entries.length);
      return Object.fromEntries(entries.filter((_, j) => j !== drop));
    }
    if (r < 0.35) {
      const extra = pick(rand, ["__proto__", "constructor", "prototype", "extra", "pk", "status"]);
      // A computed key is an own property, `__proto__` too, as in a client's raw JSON.
      return { ...Object.fromEntries(entries), [extra]: pick(rand, HOSTILE_SCALARS) };
    }
    if (r < 0.4 && depth === 0) return nested(200 + Math.floor(rand() * 2_000));
    const i = Math.floor(rand() * entries.length);
    return Object.fromEntries(
      entries.map(([k, v], j) => [k, j === i ? mutate(rand, v, depth + 1) : v]),
    );
  }
  const r = rand();
  if (typeof value === "number" && r < 0.4)
    return pick(rand, [-value, value + 0.5, value * 1e9, 0]);
  if (typeof value === "string" && r < 0.4) {
    return pick(rand, [value.repeat(100), `${value}\u0000`, value.toUpperCase(), ` ${value} `]);
  }
  return pick(rand, HOSTILE_SCALARS);
}

interface Built {
  route: string;
  method: string;
  path: string;
  headers: Record<string, string>;
  body?: string | undefined;
  /** The request is meant to be valid (as built, before any bending). */
  describe: string;
}

function pathFor(route: Route, values: Record<string, string>): string {
  return route.path.replace(/\{(\w+)\}/g, (_, name: string) =>
    encodeURIComponent(values[name] ?? name),
  );
}

/** A valid body for each route that takes one (contract §4–§9). */
function validBody(route: Route, f: Fixtures, rand: Rand): unknown {
  switch (route.fn) {
    case "put-sku":
      return {
        name: "Fuzzed widget",
        onHand: Math.floor(rand() * 20),
        backorder: { allowed: true, limit: 1_000, leadTimeDays: 14 },
        substitutes: [f.stockSku],
      };
    case "post-order":
      return {
        orderRef: `FUZZ-${Math.floor(rand() * 1e9)}`,
        customer: { email: "fuzz@example.com", name: "Fuzz Tester" },
        shippingAddress: {
          line1: "1 Main St",
          city: "Springfield",
          postalCode: "12345",
          country: "US",
        },
        splitPolicy: pick(rand, ["ship_as_available", "ship_complete"]),
        payment: { provider: "sandbox", customerRef: "cus_1", paymentMethodRef: "pm_card_visa" },
        currency: pick(rand, ["USD", "EUR", "JPY"]),
        lines: [
          { lineRef: "1", sku: f.stockSku, qty: 1, unitPrice: 1999 },
          { lineRef: "2", sku: f.backorderSku, qty: 1, unitPrice: 2999 },
        ],
      };
    case "post-receipt":
      return {
        receiptId: `RCV-FUZZ-${Math.floor(rand() * 1e9)}`,
        lines: [{ sku: f.receiptSku, qty: 1 + Math.floor(rand() * 3) }],
      };
    case "post-asn":
      return {
        asnId: `ASN-FUZZ-${Math.floor(rand() * 1e9)}`,
        revision: 1,
        estimatedDeliveryAt: "2030-01-15T00:00:00Z",
        lines: [{ sku: f.receiptSku, qty: 5 }],
      };
    case "post-shipment-shipped":
      return { carrier: "UPS", trackingNumber: "1Z999" };
    case "post-substitute":
      return { sku: f.stockSku };
    case "post-payment-method":
      return { paymentMethodRef: "pm_card_visa" };
    default:
      return route.method === "POST" ? {} : undefined;
  }
}

function validQuery(route: Route): Record<string, string> {
  switch (route.fn) {
    case "get-shipments":
      return { status: "requested" };
    case "get-orders":
      return { orderRef: "FUZZ-1" };
    case "get-promise-report":
      return { from: "2026-01-01", to: "2026-02-01" };
    default:
      return {};
  }
}

const HOSTILE_QUERIES: [string, string][] = [
  ["limit", "-1"],
  ["limit", "0"],
  ["limit", "abc"],
  ["limit", "1e9"],
  ["limit", "101"],
  ["cursor", "garbage"],
  ["cursor", Buffer.from('{"pk":"ORDER#x"}').toString("base64url")],
  ["cursor", "x".repeat(3_000)],
  ["status", "nope"],
  ["from", "2026-13-45"],
  ["to", "1999-01-01"],
  ["email", "not-an-email"],
  ["orderRef", "x".repeat(500)],
  ["token", "a.b.c"],
  ["__proto__", "1"],
  ["action", "cancel"],
];

/** Builds request `i` of a run. */
async function build(rand: Rand, target: FuzzTarget, f: Fixtures, token: string): Promise<Built> {
  const route = pick(rand, ROUTES);
  const params: Record<string, string> = {
    sku: pick(rand, [f.stockSku, f.backorderSku, f.receiptSku]),
    orderId: route.fn === "revoke-customer-links" ? f.revokeOrderId : f.orderId,
    lineId: f.lineId,
    shipmentId: f.shipmentId,
    receiptId: f.receiptId,
    supplierId: target.supplier.id,
    asset: "app.js",
  };
  const notes: string[] = [];
  if (rand() < 0.25) {
    const name = pick(rand, Object.keys(params));
    params[name] = decodeURIComponent(
      pick(rand, HOSTILE_PATH_SEGMENTS).replace(/%(?![0-9A-F]{2})/gi, "%25"),
    );
    notes.push(`path ${name}`);
  }
  let path = pathFor(route, params);
  if (rand() < 0.03) {
    path = pick(rand, [
      "/v1",
      "/v1/skus",
      "/v1/orders/x/y/z",
      "/v2/orders",
      "//v1/orders",
      "/v1/skus/%ZZ",
    ]);
    notes.push("unknown path");
  }
  let method: string = route.method;
  if (rand() < 0.05) {
    method = pick(rand, ["GET", "POST", "PUT", "DELETE", "PATCH", "OPTIONS", "HEAD", "TRACE"]);
    notes.push(`method ${method}`);
  }

  const query = new URLSearchParams(validQuery(route));
  if (route.auth === "customer") query.set("token", token);
  if (rand() < 0.2) {
    const [k, v] = pick(rand, HOSTILE_QUERIES);
    query.set(k, v);
    notes.push(`query ${k}`);
  }

  const headers: Record<string, string> = {};
  let body: string | undefined;
  const template = validBody(route, f, rand);
  if (template !== undefined) {
    let value: unknown = template;
    const bends = rand() < 0.15 ? 0 : 1 + Math.floor(rand() * 3);
    for (let b = 0; b < bends; b++) value = mutate(rand, value);
    if (bends > 0) notes.push(`body bent ${bends}x`);
    body = JSON.stringify(value);
    const r = rand();
    if (r < 0.04) {
      body = pick(rand, [
        "{",
        "null",
        "[]",
        '"text"',
        "1",
        '{"a":1,}',
        "\u0000",
        '{"a":"\\ud800"}',
      ]);
      notes.push("body not a JSON object");
    } else if (r < 0.06) {
      body = JSON.stringify({ pad: "x".repeat(270_000) });
      notes.push("body over 256 KB");
    } else if (r < 0.08) {
      body = undefined;
      notes.push("no body");
    }
    headers["content-type"] =
      rand() < 0.05
        ? pick(rand, ["text/plain", "application/xml", "multipart/form-data"])
        : "application/json";
  }
  if (route.fn === "post-order")
    headers["idempotency-key"] =
      rand() < 0.1 ? pick(rand, HEADER_SAFE_HOSTILE) || "k" : randomUUID();

  // Credentials: right, missing, another role's, junk.
  const a = rand();
  const roleKey =
    route.auth === "storefront"
      ? target.keys.storefront
      : route.auth === "warehouse"
        ? target.keys.warehouse
        : null;
  if (roleKey) {
    if (a < 0.7) headers.authorization = `Bearer ${roleKey}`;
    else if (a < 0.8) notes.push("no key");
    else if (a < 0.9) {
      headers.authorization = `Bearer ${roleKey === target.keys.storefront ? target.keys.warehouse : target.keys.storefront}`;
      notes.push("other role's key");
    } else {
      headers.authorization = pick(rand, [
        "Bearer",
        "Basic Zm9vOmJhcg==",
        `Bearer ${"k".repeat(8_000)}`,
        `bearer ${roleKey}`,
      ]);
      notes.push("junk key");
    }
  } else if (route.auth === "supplier") {
    const id =
      a < 0.9 ? `msg_${Math.floor(rand() * 1e12)}` : pick(rand, ["", "x".repeat(300), "a b", "é"]);
    const now = Math.floor(Date.now() / 1000);
    const ts = a < 0.8 ? now : pick(rand, [now - 3_600, now + 3_600, 0]);
    const secret =
      a < 0.7 || a >= 0.8 ? target.supplier.secret : "whsec_d3Jvbmctc2VjcmV0LXdyb25nLXNlY3JldA==";
    headers["webhook-id"] = id;
    headers["webhook-timestamp"] = String(ts);
    headers["webhook-signature"] =
      a < 0.95
        ? signWebhook(secret, id, ts, body ?? "")
        : pick(rand, ["v1,", "v1,AAAA", "junk", "v1,".padEnd(9_000, "A")]);
    if (a >= 0.7) notes.push("bad signature or headers");
  } else if (route.auth === "customer" && a >= 0.8) {
    query.set(
      "token",
      pick(rand, [`${token}==`, "", "a.b.c", token.split(".").reverse().join(".")]),
    );
    notes.push("bad token");
  }
  if (rand() < 0.05) {
    headers[pick(rand, ["x-correlation-id", "accept", "x-forwarded-for", "cookie"])] =
      pick(rand, HEADER_SAFE_HOSTILE) || "x";
    notes.push("odd header");
  }
  const qs = query.toString();
  return {
    route: notes.includes("unknown path") ? "(unknown paths)" : routeKeyOf(route),
    method,
    path: qs ? `${path}?${qs}` : path,
    headers,
    body: method === "GET" || method === "HEAD" ? undefined : body,
    describe: `${method} ${path.slice(0, 120)}${notes.length ? ` [${notes.join(", ")}]` : " [valid]"}`,
  };
}

const WRITES = new Set(["POST", "PUT", "DELETE", "PATCH"]);

/** One request as built, by node:http (any method, the path as written, no retries). */
function send(
  apiUrl: string,
  req: Built,
): Promise<{ status: number; contentType: string; text: string }> {
  const url = new URL(apiUrl);
  return new Promise((resolve, reject) => {
    const out = request(
      {
        host: url.hostname,
        port: url.port,
        method: req.method,
        path: req.path,
        headers: {
          ...req.headers,
          ...(req.body === undefined ? {} : { "content-length": Buffer.byteLength(req.body) }),
        },
        timeout: 35_000,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (c: Buffer) => chunks.push(c));
        res.on("end", () =>
          resolve({
            status: res.statusCode ?? 0,
            contentType: String(res.headers["content-type"] ?? ""),
            text: Buffer.concat(chunks).toString("utf8"),
          }),
        );
        res.on("error", reject);
      },
    );
    out.on("timeout", () => out.destroy(new Error("no answer within 35 s")));
    out.on("error", reject);
    out.end(req.body);
  });
}

async function waitIdle(target: FuzzTarget): Promise<void> {
  await fetch(`${target.apiUrl}/_local/idle?timeoutMs=20000`).then((r) => r.text());
}

/** What a request carried, decoded as a handler would read it. */
function sentText(req: Built): string {
  let path = req.path;
  try {
    path = decodeURIComponent(req.path.replaceAll("+", " "));
  } catch {
    // A path that does not decode is given back as written, if at all.
  }
  // Values the run sends may be stored and read back by any later request.
  return `${path}\n${JSON.stringify(req.headers)}\n${req.body ?? ""}\n${HOSTILE_STRINGS.join("\n")}`;
}

/** Judges one answer: what is wrong with it (nothing, mostly). */
export function judge(
  status: number,
  contentType: string,
  text: string,
  /** What the request carried: an answer may give it back (a name stored, an id not found). */
  sent = "",
): string[] {
  const wrong: string[] = [];
  if (status >= 500) wrong.push(`answered ${status}`);
  for (const [what, pattern] of LEAKS) {
    const found = [...text.matchAll(new RegExp(pattern.source, "g"))].map((m) => m[0]);
    const leaked = found.filter(
      (m) => !sent.includes(m) && !sent.includes(JSON.stringify(m).slice(1, -1)),
    );
    if (leaked.length > 0) wrong.push(`leaks ${what} (${leaked[0]})`);
  }
  if (status >= 400 && text.length > 0) {
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      wrong.push("a refusal that is not JSON");
    }
    const o = (json ?? {}) as Record<string, unknown>;
    const problem =
      contentType.startsWith("application/problem+json") &&
      typeof o.title === "string" &&
      o.status === status;
    const gateway = typeof o.message === "string";
    if (json !== undefined && !problem && !gateway)
      wrong.push("a refusal that is neither a problem nor API Gateway's message");
  }
  return wrong;
}

/** Runs `requests` seeded requests against a live stack and reports what each route got. */
export async function fuzz(
  target: FuzzTarget,
  fixtures: Fixtures,
  { seed, requests, compareEvery = 1 }: { seed: number; requests: number; compareEvery?: number },
): Promise<FuzzReport> {
  const rand = prng(seed);
  const token = await signOrderToken(target.linkSecret, fixtures.orderId, fixtures.tokenExpiresAt);
  const report: FuzzReport = { seed, requests, byRoute: {}, failures: [] };
  for (let i = 0; i < requests; i++) {
    const req = await build(rand, target, fixtures, token);
    const compare = WRITES.has(req.method) && i % compareEvery === 0;
    let before: Map<string, string> | null = null;
    if (compare) {
      await waitIdle(target);
      before = await target.snapshot();
    }
    let status = 0;
    let text = "";
    let contentType = "";
    try {
      ({ status, contentType, text } = await send(target.apiUrl, req));
    } catch (error) {
      report.failures.push(`#${i} ${req.describe}: no answer (${(error as Error).message})`);
      continue;
    }
    const totals = report.byRoute[req.route] ?? {
      requests: 0,
      "2xx": 0,
      "4xx": 0,
      "5xx": 0,
      refusalsChecked: 0,
    };
    report.byRoute[req.route] = totals;
    totals.requests++;
    if (status >= 500) totals["5xx"]++;
    else if (status >= 400) totals["4xx"]++;
    else totals["2xx"]++;
    for (const wrong of judge(status, contentType, text, sentText(req))) {
      report.failures.push(`#${i} ${req.describe}: ${wrong} (${status} ${text.slice(0, 200)})`);
    }
    if (before && status >= 400) {
      await waitIdle(target);
      const after = await target.snapshot();
      const changed = [...after].filter(([k, v]) => before.get(k) !== v).map(([k]) => k);
      const removed = [...before.keys()].filter((k) => !after.has(k));
      totals.refusalsChecked++;
      if (changed.length + removed.length > 0) {
        report.failures.push(
          `#${i} ${req.describe}: refused (${status}) but wrote ${[...changed, ...removed].slice(0, 5).join(", ")}`,
        );
      }
    }
  }
  return report;
}

/** The fixtures the valid requests name, made through the API. */
export async function seedFixtures(target: FuzzTarget, now: Date): Promise<Fixtures> {
  const tag = randomUUID().slice(0, 6).toUpperCase();
  const call = async (
    method: string,
    path: string,
    key: string | null,
    body?: unknown,
    extra: Record<string, string> = {},
  ) => {
    const res = await fetch(`${target.apiUrl}${path}`, {
      method,
      headers: {
        ...(key ? { authorization: `Bearer ${key}` } : {}),
        ...(body === undefined ? {} : { "content-type": "application/json" }),
        ...extra,
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    if (res.status >= 300) throw new Error(`fixture ${method} ${path}: ${res.status} ${text}`);
    return JSON.parse(text) as Record<string, unknown>;
  };
  const sf = target.keys.storefront;
  const stockSku = `FUZZ-STOCK-${tag}`;
  const backorderSku = `FUZZ-BO-${tag}`;
  const receiptSku = `FUZZ-RCV-${tag}`;
  await call("PUT", `/v1/skus/${stockSku}`, sf, { name: "Stocked", onHand: 10_000 });
  await call("PUT", `/v1/skus/${backorderSku}`, sf, {
    name: "Backordered",
    onHand: 0,
    backorder: { allowed: true, limit: 1_000_000, leadTimeDays: 20 },
    substitutes: [stockSku],
  });
  await call("PUT", `/v1/skus/${receiptSku}`, sf, { name: "Received", onHand: 0 });
  const order = (f: string) => ({
    orderRef: `FUZZ-${tag}-${f}`,
    customer: { email: "fuzz-fixture@example.com", name: "Fixture" },
    shippingAddress: {
      line1: "1 Main St",
      city: "Springfield",
      postalCode: "12345",
      country: "US",
    },
    payment: { provider: "sandbox", customerRef: "cus_1", paymentMethodRef: "pm_card_visa" },
    currency: "USD",
    lines: [{ lineRef: "1", sku: f === "bo" ? backorderSku : stockSku, qty: 1, unitPrice: 1000 }],
  });
  const waiting = await call("POST", "/v1/orders", sf, order("bo"), {
    "idempotency-key": randomUUID(),
  });
  const stocked = await call("POST", "/v1/orders", sf, order("stock"), {
    "idempotency-key": randomUUID(),
  });
  const receipt = await call("POST", "/v1/receipts", target.keys.warehouse, {
    receiptId: `RCV-FUZZ-${tag}`,
    lines: [{ sku: receiptSku, qty: 1 }],
  });
  await waitIdle(target);
  const shipments = await call("GET", "/v1/shipments?status=requested", target.keys.warehouse);
  const shipment = (shipments.shipments as { shipmentId: string }[])[0];
  if (!shipment) throw new Error("fixture: no shipment was requested for the stocked order");
  const line = (waiting.lines as { lineId: string }[])[0];
  if (!line) throw new Error("fixture: the backordered order has no line");
  return {
    stockSku,
    backorderSku,
    receiptSku,
    orderId: String(waiting.orderId),
    revokeOrderId: String(stocked.orderId),
    lineId: line.lineId,
    shipmentId: shipment.shipmentId,
    receiptId: String(receipt.receiptId),
    tokenExpiresAt: new Date(now.getTime() + 90 * 86_400_000),
  };
}

/** The report as a Markdown table (README, `npm run fuzz`). */
export function reportTable(reports: FuzzReport[]): string {
  const rows = new Map<string, RouteTotals>();
  for (const r of reports) {
    for (const [route, t] of Object.entries(r.byRoute)) {
      const row = rows.get(route) ?? {
        requests: 0,
        "2xx": 0,
        "4xx": 0,
        "5xx": 0,
        refusalsChecked: 0,
      };
      row.requests += t.requests;
      row["2xx"] += t["2xx"];
      row["4xx"] += t["4xx"];
      row["5xx"] += t["5xx"];
      row.refusalsChecked += t.refusalsChecked;
      rows.set(route, row);
    }
  }
  const all = [...rows.values()].reduce(
    (s, t) => ({
      requests: s.requests + t.requests,
      "2xx": s["2xx"] + t["2xx"],
      "4xx": s["4xx"] + t["4xx"],
      "5xx": s["5xx"] + t["5xx"],
      refusalsChecked: s.refusalsChecked + t.refusalsChecked,
    }),
    { requests: 0, "2xx": 0, "4xx": 0, "5xx": 0, refusalsChecked: 0 },
  );
  const line = (name: string, t: RouteTotals) =>
    `| ${name} | ${t.requests} | ${t["2xx"]} | ${t["4xx"]} | ${t["5xx"]} | ${t.refusalsChecked} |`;
  return [
    "| route | requests | 2xx | 4xx | 5xx | refused writes compared |",
    "| --- | ---: | ---: | ---: | ---: | ---: |",
    ...[...rows].sort(([a], [b]) => a.localeCompare(b)).map(([k, t]) => line(`\`${k}\``, t)),
    line("**all**", all),
  ].join("\n");
}
