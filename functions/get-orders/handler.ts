import { httpHandler } from "../../shared/http/handler.ts";
import { orderSearchQuery } from "../../shared/http/schemas.ts";
import { parseOr400 } from "../../shared/http/validation.ts";
import { orderSummaryView } from "../../shared/http/views.ts";
import { lookupPorts } from "../../shared/services/deps.ts";
import { findOrders } from "../../shared/services/lookup.ts";

/** `GET /v1/orders?orderRef=…` or `?email=…`: the orders found, newest first, paged. */
export const handler = httpHandler("get-orders", {}, async (req) => {
  const { orderRef, email, limit, cursor } = parseOr400(orderSearchQuery, req.query);
  const query = orderRef !== undefined ? { orderRef } : { email: email as string };
  const page = await findOrders(lookupPorts(), query, { limit, cursor });
  return { status: 200, body: { orders: page.items.map(orderSummaryView), nextCursor: page.next } };
});
