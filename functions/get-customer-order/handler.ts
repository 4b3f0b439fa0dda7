import { httpHandler } from "../../shared/http/handler.ts";
import { orderId as idSchema } from "../../shared/http/schemas.ts";
import { parseOr400 } from "../../shared/http/validation.ts";
import { customerOrderView, orderPageHtml } from "../../shared/pages/order-page.ts";
import { appPorts } from "../../shared/services/deps.ts";
import { orderWithLines } from "../../shared/services/queries.ts";

/** `GET /v1/customer/orders/{orderId}?token=…`: the order page (JSON, or HTML for browsers). */
export const handler = httpHandler("get-customer-order", {}, async (req) => {
  const orderId = parseOr400(idSchema, req.pathParameters.orderId);
  const { order, lines } = await orderWithLines(appPorts(), orderId);
  const view = customerOrderView(order, lines);
  if (!(req.headers.accept ?? "").includes("text/html")) return { status: 200, body: view };
  const cancelLineId = req.query.action === "cancel" ? req.query.lineId : undefined;
  return {
    status: 200,
    text: orderPageHtml(view, {
      token: req.query.token ?? "",
      ...(cancelLineId ? { cancelLineId } : {}),
    }),
    headers: {
      "content-type": "text/html; charset=utf-8",
      "cache-control": "no-store",
      "referrer-policy": "no-referrer",
    },
  };
});
