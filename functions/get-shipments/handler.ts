import { httpHandler } from "../../shared/http/handler.ts";
import { shipmentsQuery } from "../../shared/http/schemas.ts";
import { parseOr400 } from "../../shared/http/validation.ts";
import { shipmentsView } from "../../shared/http/views.ts";
import { appPorts } from "../../shared/services/deps.ts";
import { listShipments } from "../../shared/services/shipping.ts";

/** `GET /v1/shipments?status=requested`: what the warehouse is asked to send, paged, oldest first. */
export const handler = httpHandler("get-shipments", {}, async (req) => {
  const { status, limit, cursor } = parseOr400(shipmentsQuery, req.query);
  return {
    status: 200,
    body: shipmentsView(await listShipments(appPorts(), status, { limit, cursor })),
  };
});
