import { clock } from "../../shared/adapters/clock.ts";
import { httpHandler } from "../../shared/http/handler.ts";
import { problems } from "../../shared/http/problem.ts";
import { skuCode } from "../../shared/http/schemas.ts";
import { parseOr400 } from "../../shared/http/validation.ts";
import { skuView } from "../../shared/http/views.ts";
import { appStore, supplyDeps } from "../../shared/services/deps.ts";

/** `GET /v1/skus/{sku}`: the SKU with its computed stock figures. */
export const handler = httpHandler("get-sku", {}, async (req) => {
  const sku = parseOr400(skuCode, req.pathParameters.sku);
  const [found, inbound] = await Promise.all([
    appStore().getSku(sku),
    supplyDeps().supply.inbound(sku),
  ]);
  if (!found) throw problems.notFound(`SKU ${sku} does not exist.`);
  return { status: 200, body: skuView(found, clock().now(), inbound) };
});
