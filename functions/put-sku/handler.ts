import { clock } from "../../shared/adapters/clock.ts";
import { httpHandler } from "../../shared/http/handler.ts";
import { putSkuBody, skuCode } from "../../shared/http/schemas.ts";
import { parseOr400 } from "../../shared/http/validation.ts";
import { skuView } from "../../shared/http/views.ts";
import { appStore } from "../../shared/services/deps.ts";

/** `PUT /v1/skus/{sku}`: sets a SKU's counted stock and backorder policy. */
export const handler = httpHandler("put-sku", { body: putSkuBody }, async (req) => {
  const sku = parseOr400(skuCode, req.pathParameters.sku);
  const now = clock().now();
  const saved = await appStore().putSkuPolicy({ sku, ...req.body }, now);
  return { status: saved.created ? 201 : 200, body: skuView(saved.sku, now) };
});
