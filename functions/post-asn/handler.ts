import { clock } from "../../shared/adapters/clock.ts";
import { httpHandler } from "../../shared/http/handler.ts";
import { asnBody, supplierId as supplierIdSchema } from "../../shared/http/schemas.ts";
import { parseOr400 } from "../../shared/http/validation.ts";
import { supplyDeps } from "../../shared/services/deps.ts";
import { receiveAsn } from "../../shared/services/supply.ts";

/**
 * `POST /v1/suppliers/{supplierId}/asns`: an advance shipping notice, signed as a
 * Standard Webhook with the supplier's own secret.
 */
export const handler = httpHandler("post-asn", {}, async (req) => {
  const supplierId = parseOr400(supplierIdSchema, req.pathParameters.supplierId);
  const result = await receiveAsn(supplyDeps(), {
    supplierId,
    headers: {
      id: req.headers["webhook-id"],
      timestamp: req.headers["webhook-timestamp"],
      signature: req.headers["webhook-signature"],
    },
    rawBody: req.rawBody,
    schema: asnBody,
    now: clock().now(),
  });
  return { status: 202, body: result };
});
