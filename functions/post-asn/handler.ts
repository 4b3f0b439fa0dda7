import { httpHandler } from "../../shared/http/handler.ts";
import { asnBody, supplierId } from "../../shared/http/schemas.ts";
import { parseOr400 } from "../../shared/http/validation.ts";
import { appPorts } from "../../shared/services/deps.ts";
import { receiveAsn } from "../../shared/services/supply.ts";

/**
 * `POST /v1/suppliers/{supplierId}/asns`: an advance shipping notice, signed as a
 * Standard Webhook with the supplier's own secret (checked by the route's middleware).
 */
export const handler = httpHandler("post-asn", { body: asnBody }, async (req) => {
  const webhook = req.webhook;
  if (!webhook) throw new Error("post-asn runs only behind the webhook signature check");
  const answer = await receiveAsn(appPorts(), {
    supplierId: parseOr400(supplierId, webhook.supplierId),
    webhookId: webhook.id,
    asn: req.body,
  });
  return { status: 202, body: answer };
});
