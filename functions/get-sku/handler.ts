import { httpHandler } from "../../shared/http/handler.ts";
import { skuCode } from "../../shared/http/schemas.ts";
import { parseOr400 } from "../../shared/http/validation.ts";
import { skuView } from "../../shared/http/views.ts";
import { describeSku } from "../../shared/services/catalog.ts";
import { appPorts } from "../../shared/services/deps.ts";

/** `GET /v1/skus/{sku}`: the SKU with its computed stock figures. */
export const handler = httpHandler("get-sku", {}, async (req) => {
  const ports = appPorts();
  const { sku, inbound } = await describeSku(ports, parseOr400(skuCode, req.pathParameters.sku));
  return { status: 200, body: skuView(sku, ports.clock.now(), inbound) };
});
