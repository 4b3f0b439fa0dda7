import { httpHandler } from "../../shared/http/handler.ts";
import { orderId as idSchema } from "../../shared/http/schemas.ts";
import { parseOr400 } from "../../shared/http/validation.ts";
import { shipmentView } from "../../shared/http/views.ts";
import { appPorts } from "../../shared/services/deps.ts";
import { markDelivered } from "../../shared/services/shipping.ts";

/** `POST /v1/shipments/{shipmentId}/delivered`: the customer has it. */
export const handler = httpHandler("post-shipment-delivered", {}, async (req) => {
  const shipmentId = parseOr400(idSchema, req.pathParameters.shipmentId);
  return { status: 200, body: shipmentView(await markDelivered(appPorts(), shipmentId)) };
});
