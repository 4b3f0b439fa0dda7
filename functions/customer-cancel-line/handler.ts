import { clock } from "../../shared/adapters/clock.ts";
import { cancelAnswer } from "../../shared/http/cancel-answer.ts";
import { authorizeCustomer } from "../../shared/http/customer-auth.ts";
import { httpHandler } from "../../shared/http/handler.ts";
import { orderId as idSchema } from "../../shared/http/schemas.ts";
import { parseOr400 } from "../../shared/http/validation.ts";
import { fulfilmentDeps } from "../../shared/services/deps.ts";
import { cancelLine } from "../../shared/services/fulfilment.ts";

/** `POST /v1/customer/orders/{orderId}/lines/{lineId}/cancel?token=…`: the customer cancels. */
export const handler = httpHandler("customer-cancel-line", {}, async (req) => {
  const orderId = parseOr400(idSchema, req.pathParameters.orderId);
  const lineId = parseOr400(idSchema, req.pathParameters.lineId);
  await authorizeCustomer(orderId, req.query.token, clock());
  return cancelAnswer(await cancelLine(fulfilmentDeps(), orderId, lineId), orderId, lineId);
});
