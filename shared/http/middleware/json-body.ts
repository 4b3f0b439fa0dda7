import type * as z from "zod";
import { problems } from "../problem.ts";
import { zodProblem } from "../validation.ts";
import { type HttpMiddleware, httpOf } from "./request.ts";

/** Bodies over this many bytes are refused (contract §2). */
export const MAX_BODY_BYTES = 256 * 1024;

/** Parses the body as JSON whatever its declared content type (clients such as fetch send
 * strings as text/plain), then validates it: 400 for an empty, oversize, malformed or
 * invalid body. */
export function parseBody<TBody>(raw: string, schema: z.ZodType<TBody>): TBody {
  if (Buffer.byteLength(raw, "utf8") > MAX_BODY_BYTES) {
    throw problems.payloadTooLarge(MAX_BODY_BYTES);
  }
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

/** The route's JSON body, parsed and validated after its caller is authenticated. */
export function jsonBody(schema: z.ZodType): HttpMiddleware {
  return {
    before: (request) => {
      httpOf(request).body = parseBody(httpOf(request).rawBody, schema);
    },
  };
}
