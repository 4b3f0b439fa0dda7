import { injectLambdaContext } from "@aws-lambda-powertools/logger/middleware";
import middy from "@middy/core";
import type { Context } from "aws-lambda";
import type * as z from "zod";
import { LOG_CONTEXT_OPTIONS, logger } from "../logger.ts";
import { authFor } from "./middleware/auth.ts";
import { correlationId } from "./middleware/correlation.ts";
import { errorMapping } from "./middleware/errors.ts";
import { jsonBody } from "./middleware/json-body.ts";
import {
  type HttpContext,
  type HttpEvent,
  type HttpRequest,
  type HttpResponse,
  httpRequest,
} from "./middleware/request.ts";
import { type FunctionName, roleOf } from "./routes.ts";

export { MAX_BODY_BYTES } from "./middleware/json-body.ts";
export type { HttpEvent, HttpRequest, HttpResponse } from "./middleware/request.ts";

export interface HttpResult {
  status: number;
  body?: unknown;
  /** A body sent as it is (e.g. an HTML page), with its own content-type header. */
  text?: string;
  headers?: Record<string, string>;
}

interface HandlerOptions<TBody> {
  /** Zod schema of the JSON body; without it the body is not read. */
  body?: z.ZodType<TBody>;
}

/**
 * The middy stack of every HTTP handler, one middleware per concern: structured logs with
 * a correlation id, errors as problem+json, the request, the credential of the route
 * table's role (API key, customer token or webhook signature), then the JSON body. The
 * handler itself is wiring: it calls a service and shapes its answer.
 */
export function httpHandler<TBody = undefined>(
  fn: FunctionName,
  options: HandlerOptions<TBody>,
  impl: (request: HttpRequest<TBody>) => Promise<HttpResult>,
) {
  const auth = authFor(roleOf(fn));
  const stack = middy<HttpEvent, HttpResponse, Error, Context>()
    .use(injectLambdaContext(logger, LOG_CONTEXT_OPTIONS))
    .use(correlationId())
    .use(errorMapping())
    .use(httpRequest());
  if (auth) stack.use(auth);
  if (options.body) stack.use(jsonBody(options.body));
  return stack.handler(async (_event, context) =>
    jsonResponse(await impl((context as HttpContext).http as HttpRequest<TBody>)),
  );
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
