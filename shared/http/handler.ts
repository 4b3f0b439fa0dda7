import { injectLambdaContext } from "@aws-lambda-powertools/logger/middleware";
import middy from "@middy/core";
import type {
  APIGatewayProxyEventV2,
  APIGatewayProxyStructuredResultV2,
  Context,
} from "aws-lambda";
import type { z } from "zod";
import { logger } from "../logger.ts";
import { authorizeApiKey } from "./auth.ts";
import { HttpProblem, internalError, problemResponse, problems } from "./problem.ts";
import { type FunctionName, roleOf } from "./routes.ts";
import { zodProblem } from "./validation.ts";

/** Bodies over this many bytes are refused (contract §2). */
export const MAX_BODY_BYTES = 256 * 1024;

export interface HttpRequest<TBody> {
  body: TBody;
  /** The body exactly as received (signatures are over these bytes). */
  rawBody: string;
  pathParameters: Record<string, string>;
  query: Record<string, string>;
  headers: Record<string, string>;
  correlationId: string;
}

export interface HttpResult {
  status: number;
  body?: unknown;
  /** A body sent as it is (e.g. an HTML page), with its own content-type header. */
  text?: string;
  headers?: Record<string, string>;
}

export type HttpEvent = APIGatewayProxyEventV2;
export type HttpResponse = APIGatewayProxyStructuredResultV2;

interface HandlerOptions<TBody> {
  /** Zod schema of the JSON body; without it the body is ignored. */
  body?: z.ZodType<TBody>;
}

/**
 * The middy stack every HTTP handler shares: structured logs with a correlation id,
 * API-key auth by the route table's role, JSON body parsing and zod validation, and
 * problem+json errors (4xx details are shown; anything else is a generic 500).
 */
export function httpHandler<TBody = undefined>(
  fn: FunctionName,
  options: HandlerOptions<TBody>,
  impl: (request: HttpRequest<TBody>) => Promise<HttpResult>,
) {
  const role = roleOf(fn);
  return middy<HttpEvent, HttpResponse, Error, Context>()
    .use(injectLambdaContext(logger, { resetKeys: true }))
    .use(correlationAndErrors())
    .handler(async (event) => {
      const headers = lowerCaseHeaders(event.headers);
      await authorizeApiKey(role, headers.authorization);
      const rawBody = rawBodyOf(event);
      const body = options.body ? parseBody(rawBody, options.body) : (undefined as TBody);
      const result = await impl({
        body,
        rawBody,
        pathParameters: (event.pathParameters ?? {}) as Record<string, string>,
        query: (event.queryStringParameters ?? {}) as Record<string, string>,
        headers,
        correlationId: correlationIdOf(event),
      });
      return jsonResponse(result);
    });
}

export function jsonResponse(result: HttpResult): HttpResponse {
  if (result.text !== undefined) {
    return { statusCode: result.status, headers: { ...result.headers }, body: result.text };
  }
  return {
    statusCode: result.status,
    headers: { "content-type": "application/json", ...result.headers },
    body: result.body === undefined ? "" : JSON.stringify(result.body),
  };
}

function correlationIdOf(event: HttpEvent): string {
  const headers = lowerCaseHeaders(event.headers);
  const given = headers["x-correlation-id"];
  if (given && /^[\w.:-]{1,128}$/.test(given)) return given;
  return event.requestContext?.requestId ?? "unknown";
}

function correlationAndErrors(): middy.MiddlewareObj<HttpEvent, HttpResponse, Error, Context> {
  return {
    before: (request) => {
      logger.appendKeys({
        correlationId: correlationIdOf(request.event),
        route: request.event.routeKey,
      });
    },
    after: (request) => {
      if (request.response) {
        request.response.headers = {
          ...request.response.headers,
          "x-correlation-id": correlationIdOf(request.event),
        };
      }
    },
    onError: (request) => {
      const error = request.error;
      const correlation = { "x-correlation-id": correlationIdOf(request.event) };
      if (error instanceof HttpProblem) {
        logger.info("request refused", { status: error.status, problem: error.slug });
        request.response = problemResponse(error, correlation);
        return;
      }
      logger.error("request failed", error instanceof Error ? error : String(error));
      request.response = problemResponse(internalError, correlation);
    },
  };
}

export function lowerCaseHeaders(
  headers: Record<string, string | undefined> | undefined,
): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(headers ?? {})) if (v !== undefined) out[k.toLowerCase()] = v;
  return out;
}

/** Parses the body as JSON whatever its declared content type (clients such as fetch send
 * strings as text/plain), then validates it. */
function rawBodyOf(event: HttpEvent): string {
  if (!event.body) return "";
  return event.isBase64Encoded ? Buffer.from(event.body, "base64").toString("utf8") : event.body;
}

export function parseBody<TBody>(raw: string, schema: z.ZodType<TBody>): TBody {
  if (Buffer.byteLength(raw, "utf8") > MAX_BODY_BYTES)
    throw problems.payloadTooLarge(MAX_BODY_BYTES);
  if (raw.trim() === "") throw problems.badRequest("A JSON body is required.");
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch {
    throw problems.malformedJson();
  }
  const result = schema.safeParse(parsed);
  if (!result.success) throw zodProblem(result.error);
  return result.data;
}
