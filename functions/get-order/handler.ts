import { httpHandler } from "../../shared/http/handler.ts";
import { problems } from "../../shared/http/problem.ts";
import { orderId } from "../../shared/http/schemas.ts";
import { parseOr400 } from "../../shared/http/validation.ts";
import { orderView } from "../../shared/http/views.ts";
import { appStore } from "../../shared/services/deps.ts";

/** `GET /v1/orders/{orderId}`: the order, its lines and each line's history. */
export const handler = httpHandler("get-order", {}, async (req) => {
  const id = parseOr400(orderId, req.pathParameters.orderId);
  const [order, lines] = await Promise.all([appStore().getOrder(id), appStore().listLines(id)]);
  if (!order) throw problems.notFound(`Order ${id} does not exist.`);
  return { status: 200, body: orderView(order, lines) };
});
