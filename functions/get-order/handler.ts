import { httpHandler } from "../../shared/http/handler.ts";
import { orderId } from "../../shared/http/schemas.ts";
import { parseOr400 } from "../../shared/http/validation.ts";
import { orderView } from "../../shared/http/views.ts";
import { appPorts } from "../../shared/services/deps.ts";
import { orderWithLines } from "../../shared/services/queries.ts";

/** `GET /v1/orders/{orderId}`: the order, its lines and each line's history. */
export const handler = httpHandler("get-order", {}, async (req) => {
  const { order, lines } = await orderWithLines(
    appPorts(),
    parseOr400(orderId, req.pathParameters.orderId),
  );
  return { status: 200, body: orderView(order, lines) };
});
