import { clock } from "../../shared/adapters/clock.ts";
import { httpHandler } from "../../shared/http/handler.ts";
import { problems } from "../../shared/http/problem.ts";
import { orderId as idSchema, shippedBody } from "../../shared/http/schemas.ts";
import { parseOr400 } from "../../shared/http/validation.ts";
import { shipmentView } from "../../shared/http/views.ts";
import { fulfilmentDeps } from "../../shared/services/deps.ts";
import { wakeShipmentLines } from "../../shared/services/shipments.ts";

/** `POST /v1/shipments/{shipmentId}/shipped`: the carrier has it; the lines move on. */
export const handler = httpHandler("post-shipment-shipped", { body: shippedBody }, async (req) => {
  const shipmentId = parseOr400(idSchema, req.pathParameters.shipmentId);
  const deps = fulfilmentDeps();
  const outcome = await deps.fulfilment.shipShipment(
    shipmentId,
    req.body.carrier,
    req.body.trackingNumber,
    clock().now(),
  );
  if (outcome === "not-found") throw problems.notFound(`Shipment ${shipmentId} does not exist.`);
  if (outcome === "not-requested") {
    throw problems.conflict(
      "shipment-not-requested",
      "Shipment not requested",
      "Only a requested shipment can be shipped (once, with one tracking number).",
    );
  }
  const shipment = await wakeShipmentLines(deps, shipmentId, "shipped");
  return { status: 200, body: shipmentView(shipment) };
});
