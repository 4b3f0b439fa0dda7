import { httpHandler } from "../../shared/http/handler.ts";
import { orderId, pageQuery } from "../../shared/http/schemas.ts";
import { parseOr400 } from "../../shared/http/validation.ts";
import { notificationsView } from "../../shared/http/views.ts";
import { appPorts } from "../../shared/services/deps.ts";
import { orderNotifications } from "../../shared/services/queries.ts";

/** `GET /v1/orders/{orderId}/notifications`: the emails sent for an order, in order, paged. */
export const handler = httpHandler("get-order-notifications", {}, async (req) => {
  const id = parseOr400(orderId, req.pathParameters.orderId);
  const { limit, cursor } = parseOr400(pageQuery, req.query);
  const page = await orderNotifications(appPorts(), id, { limit, cursor });
  return { status: 200, body: notificationsView(page) };
});
