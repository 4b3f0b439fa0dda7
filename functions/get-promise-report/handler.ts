import { addDays, daysBetween, toIsoDate } from "../../shared/domain/dates.ts";
import { promiseCsv } from "../../shared/domain/outcomes.ts";
import { httpHandler } from "../../shared/http/handler.ts";
import { problems } from "../../shared/http/problem.ts";
import { promiseReportQuery } from "../../shared/http/schemas.ts";
import { parseOr400 } from "../../shared/http/validation.ts";
import { appPorts } from "../../shared/services/deps.ts";
import { promiseReport } from "../../shared/services/reports.ts";

/** The longest span one report covers. */
const MAX_DAYS = 366;

/**
 * `GET /v1/reports/promises?from&to`: how often promises were kept (contract §11), per SKU
 * and in total; CSV for `Accept: text/csv`. By default the 30 days to today.
 */
export const handler = httpHandler("get-promise-report", {}, async (req) => {
  const query = parseOr400(promiseReportQuery, req.query);
  const ports = appPorts();
  const to = query.to ?? toIsoDate(ports.clock.now());
  const from = query.from ?? addDays(to, -30);
  if (from > to || daysBetween(from, to) >= MAX_DAYS) {
    throw problems.badRequest(
      `A report covers at most ${MAX_DAYS} days, from \`from\` to \`to\`.`,
      [{ path: "/from", message: `at most ${MAX_DAYS} days before \`to\`, and not after it` }],
    );
  }
  const report = await promiseReport(ports, from, to);
  if ((req.headers.accept ?? "").includes("text/csv")) {
    return {
      status: 200,
      text: promiseCsv(report),
      headers: { "content-type": "text/csv; charset=utf-8" },
    };
  }
  return { status: 200, body: { from, to, ...report } };
});
