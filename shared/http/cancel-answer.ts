import type { CancelResult } from "../services/fulfilment.ts";
import type { HttpResult } from "./handler.ts";
import { problems } from "./problem.ts";

/** The answer to a line cancel (contract §5, §9), whoever asked for it. */
export function cancelAnswer(result: CancelResult, orderId: string, lineId: string): HttpResult {
  if (result.outcome === "not-found") {
    throw problems.notFound(`Line ${lineId} of order ${orderId} does not exist.`);
  }
  if (result.outcome === "too-late") {
    throw problems.conflict(
      "line-already-shipped",
      "Line already shipped",
      `The line is ${result.status}; it can no longer be cancelled.`,
    );
  }
  return { status: 200, body: { lineId, status: "cancelled", refund: result.refund } };
}
