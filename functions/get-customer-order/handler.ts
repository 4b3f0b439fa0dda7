import { linkTargetOf } from "../../shared/domain/allocation.ts";
import { httpHandler } from "../../shared/http/handler.ts";
import { orderId as idSchema } from "../../shared/http/schemas.ts";
import { parseOr400 } from "../../shared/http/validation.ts";
import { customerOrderView, orderPageHtml } from "../../shared/pages/order-page.ts";
import { appPorts } from "../../shared/services/deps.ts";
import { orderWithLines } from "../../shared/services/queries.ts";
import { offeredSubstitutes } from "../../shared/services/substitute.ts";

/** `GET /v1/customer/orders/{orderId}?token=…`: the order page (JSON, or HTML for browsers). */
export const handler = httpHandler("get-customer-order", {}, async (req) => {
  const orderId = parseOr400(idSchema, req.pathParameters.orderId);
  const ports = appPorts();
  const { order, lines } = await orderWithLines(ports, orderId);
  const view = customerOrderView(order, lines, {
    substitutes: await offeredSubstitutes(ports, lines),
    trackingPages: ports.notify.shop.trackingPages,
  });
  if (!(req.headers.accept ?? "").includes("text/html")) return { status: 200, body: view };
  return {
    status: 200,
    text: orderPageHtml(view, {
      token: req.query.token ?? "",
      shop: ports.notify.shop,
      action: req.query.action,
      // An email's link names the line it showed; after a split it means the part still
      // waiting (contract §9).
      lineId: req.query.lineId
        ? (linkTargetOf(lines, req.query.lineId)?.lineId ?? req.query.lineId)
        : undefined,
      sku: req.query.sku,
    }),
    headers: {
      "content-type": "text/html; charset=utf-8",
      "cache-control": "no-store",
      "referrer-policy": "no-referrer",
    },
  };
});
