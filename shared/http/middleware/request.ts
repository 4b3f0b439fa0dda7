import type middy from "@middy/core";
import type {
  APIGatewayProxyEventV2,
  APIGatewayProxyStructuredResultV2,
  Context,
} from "aws-lambda";

export type HttpEvent = APIGatewayProxyEventV2;
export type HttpResponse = APIGatewayProxyStructuredResultV2;

/** The request as handlers and middlewares see it, built once from the event. */
export interface HttpRequest<TBody = unknown> {
  /** The parsed and validated JSON body (undefined for routes that take none). */
  body: TBody;
  /** The body exactly as received (signatures are over these bytes). */
  rawBody: string;
  pathParameters: Record<string, string>;
  query: Record<string, string>;
  /** Header names in lower case. */
  headers: Record<string, string>;
  correlationId: string;
  /** The webhook delivery a supplier's signature was verified for (supplier routes). */
  webhook?: { supplierId: string; id: string };
}

/** The Lambda context, carrying the request the middlewares build. */
export interface HttpContext extends Context {
  http: HttpRequest;
}

export type HttpMiddleware = middy.MiddlewareObj<HttpEvent, HttpResponse, Error, Context>;
export type MiddyRequest = middy.Request<HttpEvent, HttpResponse, Error, Context>;

/** The request the first middleware built (every later one reads it). */
export function httpOf(request: MiddyRequest): HttpRequest {
  return (request.context as HttpContext).http;
}

export function lowerCaseHeaders(
  headers: Record<string, string | undefined> | undefined,
): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(headers ?? {})) if (v !== undefined) out[k.toLowerCase()] = v;
  return out;
}

/** The caller's `x-correlation-id` when it is sane, else the gateway's request id. */
export function correlationIdOf(event: HttpEvent): string {
  const given = lowerCaseHeaders(event.headers)["x-correlation-id"];
  if (given && /^[\w.:-]{1,128}$/.test(given)) return given;
  return event.requestContext?.requestId ?? "unknown";
}

function rawBodyOf(event: HttpEvent): string {
  if (!event.body) return "";
  return event.isBase64Encoded ? Buffer.from(event.body, "base64").toString("utf8") : event.body;
}

/** Builds the request (headers, raw body, path, query) every later middleware reads. */
export function httpRequest(): HttpMiddleware {
  return {
    before: (request) => {
      const { event } = request;
      (request.context as HttpContext).http = {
        body: undefined,
        rawBody: rawBodyOf(event),
        pathParameters: (event.pathParameters ?? {}) as Record<string, string>,
        query: (event.queryStringParameters ?? {}) as Record<string, string>,
        headers: lowerCaseHeaders(event.headers),
        correlationId: correlationIdOf(event),
      };
    },
  };
}
