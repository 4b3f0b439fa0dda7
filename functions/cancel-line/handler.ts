import { cancelAnswer } from "../../shared/http/cancel-answer.ts";
import { httpHandler } from "../../shared/http/handler.ts";
import { orderId as idSchema } from "../../shared/http/schemas.ts";
import { parseOr400 } from "../../shared/http/validation.ts";
import { fulfilmentDeps } from "../../shared/services/deps.ts";
import { cancelLine } from "../../shared/services/fulfilment.ts";

/** `POST /v1/orders/{orderId}/lines/{lineId}/cancel`: cancel a line before it ships. */
export const handler = httpHandler("cancel-line", {}, async (req) => {
  const orderId = parseOr400(idSchema, req.pathParameters.orderId);
  const lineId = parseOr400(idSchema, req.pathParameters.lineId);
  return cancelAnswer(await cancelLine(fulfilmentDeps(), orderId, lineId), orderId, lineId);
});
