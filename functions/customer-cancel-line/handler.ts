import { httpHandler } from "../../shared/http/handler.ts";
import { orderId as idSchema } from "../../shared/http/schemas.ts";
import { parseOr400 } from "../../shared/http/validation.ts";
import { cancelledView } from "../../shared/http/views.ts";
import { cancelFromLink } from "../../shared/services/cancel.ts";
import { appPorts } from "../../shared/services/deps.ts";

/** `POST /v1/customer/orders/{orderId}/lines/{lineId}/cancel?token=…`: the customer cancels. */
export const handler = httpHandler("customer-cancel-line", {}, async (req) => {
  const orderId = parseOr400(idSchema, req.pathParameters.orderId);
  const lineId = parseOr400(idSchema, req.pathParameters.lineId);
  return { status: 200, body: cancelledView(await cancelFromLink(appPorts(), orderId, lineId)) };
});
