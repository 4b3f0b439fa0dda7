import { httpHandler } from "../../shared/http/handler.ts";
import { orderId as idSchema, shippedBody } from "../../shared/http/schemas.ts";
import { parseOr400 } from "../../shared/http/validation.ts";
import { shipmentView } from "../../shared/http/views.ts";
import { appPorts } from "../../shared/services/deps.ts";
import { markShipped } from "../../shared/services/shipping.ts";

/** `POST /v1/shipments/{shipmentId}/shipped`: the carrier has it; the lines move on. */
export const handler = httpHandler("post-shipment-shipped", { body: shippedBody }, async (req) => {
  const shipmentId = parseOr400(idSchema, req.pathParameters.shipmentId);
  const { carrier, trackingNumber } = req.body;
  const shipment = await markShipped(appPorts(), shipmentId, carrier, trackingNumber);
  return { status: 200, body: shipmentView(shipment) };
});
