import { httpHandler } from "../../shared/http/handler.ts";
import { problems } from "../../shared/http/problem.ts";
import { orderId } from "../../shared/http/schemas.ts";
import { parseOr400 } from "../../shared/http/validation.ts";
import { notificationsView } from "../../shared/http/views.ts";
import { appStore } from "../../shared/services/deps.ts";

/** `GET /v1/orders/{orderId}/notifications`: every email sent for the order, in order. */
export const handler = httpHandler("get-order-notifications", {}, async (req) => {
  const id = parseOr400(orderId, req.pathParameters.orderId);
  const [order, notifications] = await Promise.all([
    appStore().getOrder(id),
    appStore().listNotifications(id),
  ]);
  if (!order) throw problems.notFound(`Order ${id} does not exist.`);
  return { status: 200, body: notificationsView(notifications) };
});
