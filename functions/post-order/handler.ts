import { httpHandler } from "../../shared/http/handler.ts";
import { problems } from "../../shared/http/problem.ts";
import { idempotencyKey, postOrderBody } from "../../shared/http/schemas.ts";
import { zodProblem } from "../../shared/http/validation.ts";
import { placeOrderDeps } from "../../shared/services/deps.ts";
import { placeOrder } from "../../shared/services/place-order.ts";

/** `POST /v1/orders`: takes an order, allocating stock or backordering each line. */
export const handler = httpHandler("post-order", { body: postOrderBody }, async (req) => {
  const key = idempotencyKey.safeParse(req.headers["idempotency-key"]);
  if (!key.success) {
    const problem = zodProblem(key.error);
    throw problems.badRequest(
      "The Idempotency-Key header is required: 1 to 255 characters.",
      problem.extensions.errors as { path: string; message: string }[] | undefined,
    );
  }
  const result = await placeOrder(placeOrderDeps(), key.data, req.body);
  switch (result.outcome) {
    case "created":
    case "replayed":
      return {
        status: result.status,
        body: result.body,
        headers: { "idempotent-replayed": String(result.outcome === "replayed") },
      };
    case "idempotency-key-reused":
      throw problems.unprocessable(
        "idempotency-key-reused",
        "Idempotency key reused",
        "This Idempotency-Key was used with a different request body. Use a new key for a new order.",
      );
    case "payment-provider-unavailable":
      throw problems.unprocessable(
        "payment-provider-unavailable",
        "Payment provider unavailable",
        `Payments through ${result.provider} are not configured here.`,
      );
    case "unknown-sku":
      throw problems.unprocessable(
        "unknown-sku",
        "Unknown SKU",
        `No such SKU: ${result.skus.join(", ")}.`,
        { skus: result.skus },
      );
    case "insufficient-stock":
      throw problems.conflict(
        "insufficient-stock",
        "Insufficient stock",
        "Some lines cannot be sold: not enough stock, and backorders are not allowed or their limit is reached. Nothing was ordered.",
        { lines: result.shortages },
      );
  }
});
