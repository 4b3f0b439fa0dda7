import { clock } from "../../shared/adapters/clock.ts";
import { httpHandler } from "../../shared/http/handler.ts";
import { problems } from "../../shared/http/problem.ts";
import { orderId as idSchema } from "../../shared/http/schemas.ts";
import { parseOr400 } from "../../shared/http/validation.ts";
import { shipmentView } from "../../shared/http/views.ts";
import { fulfilmentDeps } from "../../shared/services/deps.ts";
import { wakeShipmentLines } from "../../shared/services/shipments.ts";

/** `POST /v1/shipments/{shipmentId}/delivered`: the customer has it. */
export const handler = httpHandler("post-shipment-delivered", {}, async (req) => {
  const shipmentId = parseOr400(idSchema, req.pathParameters.shipmentId);
  const deps = fulfilmentDeps();
  const outcome = await deps.fulfilment.deliverShipment(shipmentId, clock().now());
  if (outcome === "not-found") throw problems.notFound(`Shipment ${shipmentId} does not exist.`);
  if (outcome === "not-shipped") {
    throw problems.conflict(
      "shipment-not-shipped",
      "Shipment not shipped",
      "Only a shipped shipment can be delivered.",
    );
  }
  const shipment = await wakeShipmentLines(deps, shipmentId, "delivered");
  return { status: 200, body: shipmentView(shipment) };
});
