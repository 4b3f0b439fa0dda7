import { httpHandler } from "../../shared/http/handler.ts";
import { orderId as idSchema } from "../../shared/http/schemas.ts";
import { parseOr400 } from "../../shared/http/validation.ts";
import { revokeCustomerLinks } from "../../shared/services/customer-links.ts";
import { appPorts } from "../../shared/services/deps.ts";

/** `POST /v1/orders/{orderId}/links/revoke`: the customer links emailed so far stop opening. */
export const handler = httpHandler("revoke-customer-links", {}, async (req) => {
  const orderId = parseOr400(idSchema, req.pathParameters.orderId);
  return { status: 200, body: await revokeCustomerLinks(appPorts(), orderId) };
});
