import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import type { APIGatewayProxyStructuredResultV2 } from "aws-lambda";

/**
 * The API reference page the local stack serves at `/docs`: Swagger UI (the
 * `swagger-ui-dist` package, served from node_modules) reading `GET /openapi.json`.
 */
export const API_REFERENCE_PATH = "/docs";

const ASSETS: Readonly<Record<string, string>> = {
  "swagger-ui.css": "text/css; charset=utf-8",
  "swagger-ui-bundle.js": "application/javascript; charset=utf-8",
};

const PAGE = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Backorder engine API reference</title>
<link rel="stylesheet" href="${API_REFERENCE_PATH}/swagger-ui.css">
</head>
<body>
<div id="api"></div>
<script src="${API_REFERENCE_PATH}/swagger-ui-bundle.js"></script>
<script>
window.ui = SwaggerUIBundle({ url: "/openapi.json", dom_id: "#api", deepLinking: true });
</script>
</body>
</html>
`;

let assetDir: string | undefined;
const cache = new Map<string, string>();

function asset(name: string): string {
  let body = cache.get(name);
  if (body === undefined) {
    assetDir ??= dirname(createRequire(import.meta.url).resolve("swagger-ui-dist/package.json"));
    body = readFileSync(join(assetDir, name), "utf8");
    cache.set(name, body);
  }
  return body;
}

/** The page or one of its assets for a GET of `path`, or null when the path is not ours. */
export function apiReference(path: string): APIGatewayProxyStructuredResultV2 | null {
  if (path === API_REFERENCE_PATH || path === `${API_REFERENCE_PATH}/`) {
    return { statusCode: 200, headers: { "content-type": "text/html; charset=utf-8" }, body: PAGE };
  }
  const name = path.startsWith(`${API_REFERENCE_PATH}/`)
    ? path.slice(API_REFERENCE_PATH.length + 1)
    : null;
  const type = name && Object.hasOwn(ASSETS, name) ? ASSETS[name] : undefined;
  if (!name || !type) return null;
  return {
    statusCode: 200,
    headers: { "content-type": type, "cache-control": "public, max-age=3600" },
    body: asset(name),
  };
}
