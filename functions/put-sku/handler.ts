import { clock } from "../../shared/adapters/clock.ts";
import { httpHandler } from "../../shared/http/handler.ts";
import { putSkuBody, skuCode } from "../../shared/http/schemas.ts";
import { parseOr400 } from "../../shared/http/validation.ts";
import { skuView } from "../../shared/http/views.ts";
import { appStore } from "../../shared/services/deps.ts";

/** `PUT /v1/skus/{sku}`: sets a SKU's counted stock and backorder policy. */
export const handler = httpHandler("put-sku", { body: putSkuBody }, async (req) => {
  const sku = parseOr400(skuCode, req.pathParameters.sku);
  const existing = await appStore().getSku(sku);
  const saved = await appStore().putSkuPolicy(
    {
      sku,
      name: req.body.name,
      onHand: req.body.onHand,
      backorder: req.body.backorder,
      substitutes: req.body.substitutes,
    },
    clock().now(),
  );
  return { status: existing ? 200 : 201, body: skuView(saved) };
});
