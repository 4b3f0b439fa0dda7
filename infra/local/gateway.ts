import { randomUUID } from "node:crypto";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { Duplex } from "node:stream";
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from "aws-lambda";
import { readMeter, resetMeter } from "../../shared/adapters/meter.ts";
import { internalError, problemResponse, problems } from "../../shared/http/problem.ts";
import { matchRoute, type RouteMatch, routeKeyOf } from "../../shared/http/routes.ts";
import { zodProblem } from "../../shared/http/validation.ts";
import { API_REFERENCE_PATH, apiReference } from "./api-reference.ts";
import type { VirtualClock } from "./clock.ts";
import { faultsSchema, type LocalFaults } from "./faults.ts";
import type { IdleResult } from "./idle.ts";
import { LAMBDA_TIMED_OUT, type LocalLambdaRuntime } from "./lambda-runtime.ts";
import type { LocalLimits } from "./limits.ts";
import type { LedgerEntry } from "./payments-ledger.ts";
import { assertPortFree } from "./ports.ts";

/** API Gateway's own payload limit; the handlers refuse anything over 256 KB themselves. */
const GATEWAY_MAX_BODY_BYTES = 10 * 1024 * 1024;

export interface GatewayOptions {
  runtime: LocalLambdaRuntime;
  clock: VirtualClock;
  /** True once every part of the local stack is up and the tables exist. */
  isReady(): boolean;
  /** Resolves once nothing is in flight (see idle.ts), or after `timeoutMs`. */
  waitForIdle?(timeoutMs: number): Promise<IdleResult>;
  /** The faults in force (see faults.ts), served at `/_local/faults`. */
  faults?: LocalFaults;
  /** The limits in force (see limits.ts): the integration timeout, and what
   * `GET /_local/limits` shows. */
  limits?: LocalLimits;
  /** Resolves once what is on its way within seconds has arrived (the event bus's
   * deliveries), before the virtual clock moves. */
  beforeClockMoves?(): Promise<void>;
  /** What the local payment provider charged and refunded (`GET /_local/payments`). */
  payments?(): LedgerEntry[];
}

/** What API Gateway answers when the integration did not answer within its timeout. */
const SERVICE_UNAVAILABLE: APIGatewayProxyStructuredResultV2 = {
  statusCode: 503,
  headers: { "content-type": "application/json" },
  body: '{"message":"Service Unavailable"}',
};

/** What API Gateway answers when the function failed (here: ran past its timeout). */
const INTERNAL_SERVER_ERROR: APIGatewayProxyStructuredResultV2 = {
  statusCode: 500,
  headers: { "content-type": "application/json" },
  body: '{"message":"Internal Server Error"}',
};

/** What API Gateway answers when the route's throttle refused the request. */
const TOO_MANY_REQUESTS: APIGatewayProxyStructuredResultV2 = {
  statusCode: 429,
  headers: { "content-type": "application/json" },
  body: '{"message":"Too Many Requests"}',
};

/** Longest wait `GET /_local/idle?timeoutMs=` allows. */
const MAX_IDLE_WAIT_MS = 120_000;

/**
 * The local HTTP gateway: turns requests into API Gateway HTTP API (payload 2.0) events for
 * the handlers of the route table, and serves the local-only virtual clock, idle wait,
 * fault injection and limits. Like the HTTP API, it answers 429 when a route's throttle
 * refuses a request (no function runs), 503 when a handler has not answered within the
 * integration timeout (the handler goes on, as a Lambda does), and 500 when the function
 * ran past its own timeout.
 */
export class LocalGateway {
  private server: Server | undefined;

  constructor(private readonly options: GatewayOptions) {}

  async listen(port: number, host = "127.0.0.1"): Promise<string> {
    await assertPortFree(port, host, "HTTP API", "BACKORDER_API_PORT");
    this.server = createServer((req, res) => {
      this.handle(req, res).catch((error: unknown) => {
        console.error("local gateway error", error);
        // Like API Gateway when an integration fails: a generic 500, no internals.
        send(res, problemResponse(internalError));
      });
    });
    // CONNECT asks for a tunnel: Node hands it over as a socket, which no one would answer.
    // API Gateway refuses it; so does this gateway, and closes the connection.
    this.server.on("connect", (_req: IncomingMessage, socket: Duplex) => {
      const body = '{"message":"Method Not Allowed"}';
      socket.end(
        `HTTP/1.1 405 Method Not Allowed\r\ncontent-type: application/json\r\ncontent-length: ${body.length}\r\nconnection: close\r\n\r\n${body}`,
      );
    });
    await new Promise<void>((resolve) => this.server?.listen(port, host, resolve));
    return `http://${host === "0.0.0.0" ? "127.0.0.1" : host}:${port}`;
  }

  async close(): Promise<void> {
    const server = this.server;
    if (!server) return;
    this.server = undefined;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? "/", "http://local");
    const method = (req.method ?? "GET").toUpperCase();
    const raw = await readBody(req);
    if (raw === null) {
      send(res, {
        statusCode: 413,
        headers: { "content-type": "application/json", connection: "close" },
        body: '{"message":"Request Entity Too Large"}',
      });
      return;
    }
    if (url.pathname.startsWith("/_local/clock")) {
      send(res, await this.clockRoute(method, url.pathname, raw));
      return;
    }
    if (url.pathname === "/_local/meter") {
      send(res, this.meterRoute(method));
      return;
    }
    if (url.pathname === "/_local/idle") {
      send(res, await this.idleRoute(method, url));
      return;
    }
    if (url.pathname === "/_local/faults") {
      send(res, this.faultsRoute(method, raw));
      return;
    }
    if (url.pathname === "/_local/payments") {
      send(res, this.paymentsRoute(method));
      return;
    }
    if (url.pathname === "/_local/limits") {
      send(res, this.limitsRoute(method));
      return;
    }
    if (url.pathname.startsWith(API_REFERENCE_PATH) && method === "GET") {
      const page = apiReference(url.pathname);
      if (page) {
        send(res, page);
        return;
      }
    }
    if (url.pathname === "/health" && !this.options.isReady()) {
      send(res, {
        statusCode: 503,
        headers: { "content-type": "application/json" },
        body: '{"status":"starting"}',
      });
      return;
    }
    const found = matchRoute(method, url.pathname);
    if (!found.match) {
      const problem = found.pathKnown
        ? problems.methodNotAllowed()
        : problems.notFound(`No route for ${method} ${url.pathname}.`);
      send(res, problemResponse(problem));
      return;
    }
    if (!this.options.isReady()) {
      send(res, SERVICE_UNAVAILABLE);
      return;
    }
    // The route's throttle, before any function runs (as the HTTP API's stage does).
    if (this.options.limits && !this.options.limits.route(routeKeyOf(found.match.route))) {
      send(res, TOO_MANY_REQUESTS);
      return;
    }
    const event = toEvent(req, url, method, raw, found.match);
    send(res, await this.integrate(found.match.route.fn, event));
  }

  /**
   * Invokes the route's function and answers with its result, or as API Gateway does: 503
   * once the integration timeout has passed without an answer (the invocation goes on in
   * the background, its result discarded), 500 when the function timed out.
   */
  private async integrate(
    fn: RouteMatch["route"]["fn"],
    event: APIGatewayProxyEventV2,
  ): Promise<APIGatewayProxyStructuredResultV2> {
    const invocation = this.options.runtime.invoke(fn, event).then(
      (result) => result as APIGatewayProxyStructuredResultV2,
      (error: unknown) => {
        if (error instanceof Error && error.name === LAMBDA_TIMED_OUT) return INTERNAL_SERVER_ERROR;
        throw error;
      },
    );
    const cutAfterMs = this.options.limits?.gatewayTimeoutMs ?? false;
    if (cutAfterMs === false) return invocation;
    let timer: NodeJS.Timeout | undefined;
    const cut = new Promise<APIGatewayProxyStructuredResultV2>((resolve) => {
      timer = setTimeout(() => {
        console.warn(
          `local gateway: ${event.routeKey} did not answer within ${cutAfterMs} ms: 503 (the function goes on)`,
        );
        // Its later failure, if any, has nobody to go to.
        invocation.catch(() => undefined);
        resolve(SERVICE_UNAVAILABLE);
      }, cutAfterMs);
    });
    try {
      return await Promise.race([invocation, cut]);
    } finally {
      clearTimeout(timer);
    }
  }

  /** `GET /_local/limits`: the limits in force (limits.ts), each function's timeout and
   * memory included. */
  private limitsRoute(method: string): APIGatewayProxyStructuredResultV2 {
    if (method !== "GET") return problemResponse(problems.methodNotAllowed());
    const limits = this.options.limits;
    if (!limits) return problemResponse(problems.notFound("This stack enforces no limits."));
    const { gatewayTimeoutMs, routes, sfn, ses, payments, iam } = limits.inForce;
    return {
      statusCode: 200,
      headers: { "content-type": "application/json" },
      body: JSON.stringify({
        limits: {
          gatewayTimeoutMs,
          routes,
          lambda: this.options.runtime.limits(),
          sfn,
          ses,
          payments,
          iam,
        },
      }),
    };
  }

  /**
   * `GET /_local/meter`: what this process counted on its real code paths since the last
   * `DELETE /_local/meter` (SDK calls by operation, DynamoDB's consumed capacity, Lambda
   * invocations by function, and those that ran past their timeout); the benchmarks price a
   * line's life from it.
   */
  private meterRoute(method: string): APIGatewayProxyStructuredResultV2 {
    if (method === "DELETE") {
      resetMeter();
      this.options.runtime.resetInvocations();
      return { statusCode: 204, body: "" };
    }
    if (method !== "GET") return problemResponse(problems.methodNotAllowed());
    return {
      statusCode: 200,
      headers: { "content-type": "application/json" },
      body: JSON.stringify({
        ...readMeter(),
        lambda: this.options.runtime.invocations(),
        lambdaTimedOut: this.options.runtime.timeouts(),
      }),
    };
  }

  /**
   * `GET /_local/idle[?timeoutMs=N]`: answers 200 once no Lambda invocation, due timer or
   * execution step is in flight (executions parked on a task token count as idle), or 503
   * with what is still busy after N ms (default 30 s).
   */
  /** `GET /_local/payments`: the local payment provider's charges and refunds. */
  private paymentsRoute(method: string): APIGatewayProxyStructuredResultV2 {
    if (method !== "GET") return problemResponse(problems.methodNotAllowed());
    return {
      statusCode: 200,
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ payments: this.options.payments?.() ?? [] }),
    };
  }

  private async idleRoute(method: string, url: URL): Promise<APIGatewayProxyStructuredResultV2> {
    if (method !== "GET") return problemResponse(problems.methodNotAllowed());
    const raw = url.searchParams.get("timeoutMs");
    const timeoutMs = raw === null ? 30_000 : Number(raw);
    if (!Number.isInteger(timeoutMs) || timeoutMs < 0 || timeoutMs > MAX_IDLE_WAIT_MS) {
      return problemResponse(
        problems.badRequest(`timeoutMs must be an integer from 0 to ${MAX_IDLE_WAIT_MS}.`, [
          { path: "/timeoutMs", message: "must be an integer in range" },
        ]),
      );
    }
    const wait = this.options.waitForIdle;
    if (!wait || !this.options.isReady()) return SERVICE_UNAVAILABLE;
    const result = await wait(timeoutMs);
    return {
      statusCode: result.idle ? 200 : 503,
      headers: { "content-type": "application/json" },
      body: JSON.stringify(result),
    };
  }

  /**
   * `GET /_local/faults` (what is in force, with the calls and seconds left of each),
   * `PUT` (replace them all with the body), `DELETE` (clear them).
   */
  private faultsRoute(method: string, raw: Buffer): APIGatewayProxyStructuredResultV2 {
    const faults = this.options.faults;
    if (!faults) return problemResponse(problems.notFound("This stack injects no faults."));
    const current = () => ({
      statusCode: 200,
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ faults: faults.describe(), injected: faults.injected() }),
    });
    if (method === "GET") return current();
    if (method === "DELETE") {
      faults.clear();
      return current();
    }
    if (method !== "PUT") return problemResponse(problems.methodNotAllowed());
    let body: unknown;
    try {
      body = JSON.parse(raw.toString("utf8"));
    } catch {
      return problemResponse(problems.malformedJson());
    }
    const parsed = faultsSchema.safeParse(body);
    if (!parsed.success) {
      return problemResponse(zodProblem(parsed.error, "The body is not a faults configuration."));
    }
    faults.replace(parsed.data);
    return current();
  }

  private async clockRoute(
    method: string,
    path: string,
    raw: Buffer,
  ): Promise<APIGatewayProxyStructuredResultV2> {
    const clock = this.options.clock;
    const now = () => ({
      statusCode: 200,
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ now: clock.now().toISOString() }),
    });
    if (path === "/_local/clock" && method === "GET") return now();
    if (path === "/_local/clock/advance" && method === "POST") {
      let seconds: unknown;
      try {
        seconds = (JSON.parse(raw.toString("utf8") || "null") as { seconds?: unknown } | null)
          ?.seconds;
      } catch {
        return problemResponse(problems.malformedJson());
      }
      if (typeof seconds !== "number" || !Number.isFinite(seconds) || seconds <= 0) {
        return problemResponse(
          problems.badRequest('Send {"seconds": N} with N a positive number.', [
            { path: "/seconds", message: "must be a positive number" },
          ]),
        );
      }
      const room = Math.floor(clock.advanceRoom());
      if (seconds > room) {
        return problemResponse(
          problems.badRequest(
            `The clock moves at most ${room} seconds in one step (ten years, and never past 2200).`,
            [{ path: "/seconds", message: `must be at most ${room}` }],
          ),
        );
      }
      // What AWS delivers within seconds (an SES event on the bus) has been delivered before
      // hours or days pass: time does not jump past a delivery still on its way.
      await this.options.beforeClockMoves?.();
      await clock.advance(seconds);
      return now();
    }
    return problemResponse(problems.notFound(`No route for ${method} ${path}.`));
  }
}

/** Past this, an oversized body is not even read to its end: the connection is cut. */
const GATEWAY_DRAIN_MAX_BYTES = 8 * GATEWAY_MAX_BODY_BYTES;

/**
 * The request's body; null when it is over the payload limit. An oversized body is still
 * read to its end (up to a point), keeping none of it, so the 413 reaches a client that is
 * still sending instead of a reset connection; the answer then closes the connection.
 */
async function readBody(req: IncomingMessage): Promise<Buffer | null> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > GATEWAY_DRAIN_MAX_BYTES) return null;
    if (size <= GATEWAY_MAX_BODY_BYTES) chunks.push(chunk as Buffer);
  }
  return size > GATEWAY_MAX_BODY_BYTES ? null : Buffer.concat(chunks);
}

function toEvent(
  req: IncomingMessage,
  url: URL,
  method: string,
  raw: Buffer,
  match: RouteMatch,
): APIGatewayProxyEventV2 {
  const headers: Record<string, string> = {};
  for (const [key, value] of Object.entries(req.headers)) {
    if (value !== undefined)
      headers[key.toLowerCase()] = Array.isArray(value) ? value.join(",") : value;
  }
  const query: Record<string, string> = {};
  for (const [key, value] of url.searchParams)
    query[key] = key in query ? `${query[key]},${value}` : value;
  const now = new Date();
  const routeKey = `${match.route.method} ${match.route.path}`;
  return {
    version: "2.0",
    routeKey,
    rawPath: url.pathname,
    rawQueryString: url.search.slice(1),
    cookies: headers.cookie ? headers.cookie.split(/;\s*/) : undefined,
    headers,
    queryStringParameters: Object.keys(query).length ? query : undefined,
    pathParameters: Object.keys(match.pathParameters).length ? match.pathParameters : undefined,
    requestContext: {
      accountId: "000000000000",
      apiId: "local",
      domainName: headers.host ?? "localhost",
      domainPrefix: "localhost",
      http: {
        method,
        path: url.pathname,
        protocol: `HTTP/${req.httpVersion}`,
        sourceIp: req.socket.remoteAddress ?? "127.0.0.1",
        userAgent: headers["user-agent"] ?? "",
      },
      requestId: randomUUID(),
      routeKey,
      stage: "$default",
      time: now.toUTCString(),
      timeEpoch: now.getTime(),
    },
    body: raw.length ? raw.toString("utf8") : undefined,
    isBase64Encoded: false,
  };
}

function send(res: ServerResponse, result: APIGatewayProxyStructuredResultV2): void {
  const body = result.body ?? "";
  res.writeHead(result.statusCode ?? 200, { ...(result.headers as Record<string, string>) });
  res.end(result.isBase64Encoded ? Buffer.from(body, "base64") : body);
}
