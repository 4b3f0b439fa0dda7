import { backorderCsv } from "../../shared/domain/reports.ts";
import { httpHandler } from "../../shared/http/handler.ts";
import { pageQuery } from "../../shared/http/schemas.ts";
import { parseOr400 } from "../../shared/http/validation.ts";
import { appPorts } from "../../shared/services/deps.ts";
import { backorderReport } from "../../shared/services/reports.ts";

/**
 * `GET /v1/reports/backorders`: the backorder book per SKU (contract §11), paged; CSV for
 * `Accept: text/csv`, its next page's cursor in `X-Next-Cursor` and a `Link` header.
 */
export const handler = httpHandler("get-backorder-report", {}, async (req) => {
  const { limit, cursor } = parseOr400(pageQuery, req.query);
  const page = await backorderReport(appPorts(), { limit, cursor });
  if ((req.headers.accept ?? "").includes("text/csv")) {
    const next: Record<string, string> = page.next
      ? {
          "x-next-cursor": page.next,
          link: `</v1/reports/backorders?limit=${limit}&cursor=${encodeURIComponent(page.next)}>; rel="next"`,
        }
      : {};
    return {
      status: 200,
      text: backorderCsv(page.items),
      headers: { "content-type": "text/csv; charset=utf-8", ...next },
    };
  }
  return { status: 200, body: { skus: page.items, nextCursor: page.next } };
});
