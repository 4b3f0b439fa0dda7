import { httpHandler } from "../../shared/http/handler.ts";
import { openApiDocument } from "../../shared/http/openapi.ts";

let document: Record<string, unknown> | undefined;

/** `GET /openapi.json`: the OpenAPI 3.1 document, generated from the route table and the
 * zod schemas (made once per instance). */
export const handler = httpHandler("get-openapi", {}, async () => {
  document ??= openApiDocument();
  return { status: 200, body: document, headers: { "cache-control": "public, max-age=300" } };
});
