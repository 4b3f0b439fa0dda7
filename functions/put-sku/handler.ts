import { clock } from "../../shared/adapters/clock.ts";
import { httpHandler } from "../../shared/http/handler.ts";
import { putSkuBody, skuCode } from "../../shared/http/schemas.ts";
import { parseOr400 } from "../../shared/http/validation.ts";
import { skuView } from "../../shared/http/views.ts";
import { allocateWaiting } from "../../shared/services/allocate.ts";
import { allocateDeps, appStore, supplyDeps } from "../../shared/services/deps.ts";

/**
 * `PUT /v1/skus/{sku}`: sets a SKU's counted stock and backorder policy. Stock that this
 * leaves free goes to the SKU's waiting lines at once, oldest first, as on a receipt.
 */
export const handler = httpHandler("put-sku", { body: putSkuBody }, async (req) => {
  const sku = parseOr400(skuCode, req.pathParameters.sku);
  const saved = await appStore().putSkuPolicy({ sku, ...req.body }, clock().now());
  let view = saved.sku;
  if (view.onHand > view.allocated && view.backorderedQty > 0) {
    await allocateWaiting(allocateDeps(), sku);
    view = (await appStore().getSku(sku)) ?? view;
  }
  const inbound = await supplyDeps().supply.inbound(sku);
  return { status: saved.created ? 201 : 200, body: skuView(view, clock().now(), inbound) };
});
