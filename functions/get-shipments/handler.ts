import { z } from "zod";
import { httpHandler } from "../../shared/http/handler.ts";
import { parseOr400 } from "../../shared/http/validation.ts";
import { shipmentView } from "../../shared/http/views.ts";
import { appPorts } from "../../shared/services/deps.ts";
import { listShipments } from "../../shared/services/shipping.ts";

const query = z.object({
  status: z.enum(["requested", "shipped"]).default("requested"),
  limit: z.coerce.number().int().positive().max(500).default(100),
});

/** `GET /v1/shipments?status=requested`: what the warehouse is asked to send. */
export const handler = httpHandler("get-shipments", {}, async (req) => {
  const { status, limit } = parseOr400(query, req.query);
  const shipments = await listShipments(appPorts(), status, limit);
  return { status: 200, body: { shipments: shipments.map(shipmentView) } };
});
