import { clock } from "../../shared/adapters/clock.ts";
import { authorizeCustomer } from "../../shared/http/customer-auth.ts";
import { httpHandler } from "../../shared/http/handler.ts";
import { problems } from "../../shared/http/problem.ts";
import { orderId as idSchema } from "../../shared/http/schemas.ts";
import { parseOr400 } from "../../shared/http/validation.ts";
import { fulfilmentDeps } from "../../shared/services/deps.ts";
import { cancelLine } from "../../shared/services/fulfilment.ts";

/** `POST /v1/customer/orders/{orderId}/lines/{lineId}/cancel?token=…`: the customer cancels. */
export const handler = httpHandler("customer-cancel-line", {}, async (req) => {
  const orderId = parseOr400(idSchema, req.pathParameters.orderId);
  const lineId = parseOr400(idSchema, req.pathParameters.lineId);
  await authorizeCustomer(orderId, req.query.token, clock());
  const result = await cancelLine(fulfilmentDeps(), orderId, lineId);
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
});
