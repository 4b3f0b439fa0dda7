import { httpHandler } from "../../shared/http/handler.ts";
import { idempotencyKey, postOrderBody } from "../../shared/http/schemas.ts";
import { parseOr400 } from "../../shared/http/validation.ts";
import { createdOrderView } from "../../shared/http/views.ts";
import { appPorts } from "../../shared/services/deps.ts";
import { placeOrder } from "../../shared/services/place-order.ts";

/** `POST /v1/orders`: takes an order, allocating stock or backordering each line. */
export const handler = httpHandler("post-order", { body: postOrderBody }, async (req) => {
  const key = parseOr400(
    idempotencyKey,
    req.headers["idempotency-key"],
    "The Idempotency-Key header is required: 1 to 255 characters.",
  );
  const placed = await placeOrder(appPorts(), key, req.body);
  return {
    status: 201,
    body: createdOrderView(placed.order, placed.lines),
    headers: { "idempotent-replayed": String(placed.replayed) },
  };
});
