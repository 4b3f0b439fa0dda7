import { httpHandler } from "../../shared/http/handler.ts";
import { orderId as idSchema } from "../../shared/http/schemas.ts";
import { parseOr400 } from "../../shared/http/validation.ts";
import { appPorts } from "../../shared/services/deps.ts";
import { consentToWait } from "../../shared/services/escalate.ts";

/**
 * `POST /v1/customer/orders/{orderId}/lines/{lineId}/consent?token=…`: the customer keeps
 * waiting for a delayed line (the FTC rule's consent).
 */
export const handler = httpHandler("post-consent", {}, async (req) => {
  const orderId = parseOr400(idSchema, req.pathParameters.orderId);
  const lineId = parseOr400(idSchema, req.pathParameters.lineId);
  return { status: 200, body: await consentToWait(appPorts(), orderId, lineId) };
});
