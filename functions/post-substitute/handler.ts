import { z } from "zod";
import { clock } from "../../shared/adapters/clock.ts";
import { authorizeCustomer } from "../../shared/http/customer-auth.ts";
import { httpHandler, parseBody } from "../../shared/http/handler.ts";
import { problems } from "../../shared/http/problem.ts";
import { orderId as idSchema } from "../../shared/http/schemas.ts";
import { parseOr400 } from "../../shared/http/validation.ts";
import { createdLineView } from "../../shared/http/views.ts";
import { fulfilmentDeps, supplyDeps } from "../../shared/services/deps.ts";
import { substituteLine } from "../../shared/services/substitute.ts";

const body = z.object({ sku: z.string().min(1).max(255) });

/**
 * `POST /v1/customer/orders/{orderId}/lines/{lineId}/substitute?token=…` `{"sku"}`: take
 * one of the SKU's substitutes instead of waiting.
 */
export const handler = httpHandler("post-substitute", {}, async (req) => {
  const orderId = parseOr400(idSchema, req.pathParameters.orderId);
  const lineId = parseOr400(idSchema, req.pathParameters.lineId);
  await authorizeCustomer(orderId, req.query.token, clock());
  const { sku } = parseBody(req.rawBody, body);
  const result = await substituteLine(
    { ...fulfilmentDeps(), inbound: (sku) => supplyDeps().supply.inbound(sku) },
    orderId,
    lineId,
    sku,
  );
  switch (result.outcome) {
    case "substituted":
      return {
        status: 200,
        body: {
          lineId,
          status: "cancelled",
          substitutedBy: result.lines.map(createdLineView),
        },
      };
    case "not-found":
      throw problems.notFound(`Line ${lineId} of order ${orderId} does not exist.`);
    case "not-waiting":
      throw problems.conflict(
        "line-not-waiting",
        "Line not waiting",
        `The line is ${result.status}; only a waiting line can be substituted.`,
      );
    case "not-a-substitute":
      throw problems.unprocessable(
        "not-a-substitute",
        "Not a substitute",
        `${sku} is not offered instead of this item.`,
        { substitutes: result.allowed },
      );
    case "insufficient-stock":
      throw problems.conflict(
        "insufficient-stock",
        "Insufficient stock",
        "The substitute cannot be sold now. Your item stays on order.",
        { lines: result.shortages },
      );
  }
});
