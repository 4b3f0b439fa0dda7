import { httpHandler } from "../../shared/http/handler.ts";
import { putSkuBody, skuCode } from "../../shared/http/schemas.ts";
import { parseOr400 } from "../../shared/http/validation.ts";
import { skuView } from "../../shared/http/views.ts";
import { putSku } from "../../shared/services/catalog.ts";
import { appPorts } from "../../shared/services/deps.ts";

/** `PUT /v1/skus/{sku}`: sets a SKU's counted stock and backorder policy. */
export const handler = httpHandler("put-sku", { body: putSkuBody }, async (req) => {
  const ports = appPorts();
  const code = parseOr400(skuCode, req.pathParameters.sku);
  const { sku, inbound, created } = await putSku(ports, { sku: code, ...req.body });
  return { status: created ? 201 : 200, body: skuView(sku, ports.clock.now(), inbound) };
});
