import { httpHandler } from "../../shared/http/handler.ts";
import { orderId as idSchema } from "../../shared/http/schemas.ts";
import { parseOr400 } from "../../shared/http/validation.ts";
import { timelineView } from "../../shared/http/views.ts";
import { lookupPorts } from "../../shared/services/deps.ts";
import { lineTimelineOf } from "../../shared/services/lookup.ts";

/** `GET /v1/orders/{orderId}/lines/{lineId}/timeline`: what happened to a line, in order. */
export const handler = httpHandler("get-line-timeline", {}, async (req) => {
  const orderId = parseOr400(idSchema, req.pathParameters.orderId);
  const lineId = parseOr400(idSchema, req.pathParameters.lineId);
  return { status: 200, body: timelineView(await lineTimelineOf(lookupPorts(), orderId, lineId)) };
});
