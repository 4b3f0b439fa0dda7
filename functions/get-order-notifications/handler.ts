import { httpHandler } from "../../shared/http/handler.ts";
import { orderId } from "../../shared/http/schemas.ts";
import { parseOr400 } from "../../shared/http/validation.ts";
import { notificationsView } from "../../shared/http/views.ts";
import { appPorts } from "../../shared/services/deps.ts";
import { orderNotifications } from "../../shared/services/queries.ts";

/** `GET /v1/orders/{orderId}/notifications`: every email sent for the order, in order. */
export const handler = httpHandler("get-order-notifications", {}, async (req) => {
  const id = parseOr400(orderId, req.pathParameters.orderId);
  return { status: 200, body: notificationsView(await orderNotifications(appPorts(), id)) };
});
