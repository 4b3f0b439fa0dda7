import { CONSOLE_CSS, CONSOLE_JS, CONSOLE_VERSION } from "../../shared/console/built.ts";
import { refusals } from "../../shared/domain/errors.ts";
import { httpHandler } from "../../shared/http/handler.ts";

/**
 * The page and its two files. The page holds no data: it asks for the storefront key and
 * calls the API with it, so everything it shows is behind the key (contract §3).
 */
const PAGE = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex">
<title>Backorder console</title>
<link rel="icon" href="data:,">
<link rel="stylesheet" href="console/app.css?v=${CONSOLE_VERSION}">
</head>
<body>
<div id="app"><noscript>The console needs JavaScript.</noscript></div>
<script type="module" src="console/app.js?v=${CONSOLE_VERSION}"></script>
</body>
</html>
`;

/** Scripts and styles from this origin only; data from this API only; never framed. */
const SECURITY = {
  "content-security-policy":
    "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self' data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
  "x-content-type-options": "nosniff",
  "referrer-policy": "no-referrer",
};

const ASSETS: Record<string, { type: string; body: string }> = {
  "app.js": { type: "text/javascript; charset=utf-8", body: CONSOLE_JS },
  "app.css": { type: "text/css; charset=utf-8", body: CONSOLE_CSS },
};

/** `GET /console` (the page) and `GET /console/{asset}` (its script and styles). */
export const handler = httpHandler("get-console", {}, async (req) => {
  const name = req.pathParameters.asset;
  if (name === undefined) {
    return {
      status: 200,
      text: PAGE,
      headers: {
        "content-type": "text/html; charset=utf-8",
        "cache-control": "no-cache",
        ...SECURITY,
      },
    };
  }
  const asset = Object.hasOwn(ASSETS, name) ? ASSETS[name] : undefined;
  if (!asset) throw refusals.notFound(`Console file ${name}`);
  return {
    status: 200,
    text: asset.body,
    headers: {
      "content-type": asset.type,
      // The page names each file with its version: a new build is a new URL.
      "cache-control": "public, max-age=86400",
      ...SECURITY,
    },
  };
});
