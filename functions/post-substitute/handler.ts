import { httpHandler } from "../../shared/http/handler.ts";
import { orderId as idSchema, substituteBody } from "../../shared/http/schemas.ts";
import { parseOr400 } from "../../shared/http/validation.ts";
import { createdLineView } from "../../shared/http/views.ts";
import { appPorts } from "../../shared/services/deps.ts";
import { substituteLine } from "../../shared/services/substitute.ts";

/**
 * `POST /v1/customer/orders/{orderId}/lines/{lineId}/substitute?token=…` `{"sku"}`: take
 * one of the SKU's substitutes instead of waiting.
 */
export const handler = httpHandler("post-substitute", { body: substituteBody }, async (req) => {
  const orderId = parseOr400(idSchema, req.pathParameters.orderId);
  const lineId = parseOr400(idSchema, req.pathParameters.lineId);
  const lines = await substituteLine(appPorts(), orderId, lineId, req.body.sku);
  return {
    status: 200,
    body: { lineId, status: "cancelled", substitutedBy: lines.map(createdLineView) },
  };
});
