import { clock } from "../../shared/adapters/clock.ts";
import { authorizeCustomer } from "../../shared/http/customer-auth.ts";
import { httpHandler, parseBody } from "../../shared/http/handler.ts";
import { problems } from "../../shared/http/problem.ts";
import { orderId as idSchema, paymentMethodBody } from "../../shared/http/schemas.ts";
import { parseOr400 } from "../../shared/http/validation.ts";
import { appStore, fulfilmentDeps } from "../../shared/services/deps.ts";
import { updatePaymentMethod } from "../../shared/services/fulfilment.ts";

/**
 * `POST /v1/customer/orders/{orderId}/payment-method?token=…`: the customer gives a new
 * payment method; lines waiting for payment are charged again.
 */
export const handler = httpHandler("post-payment-method", {}, async (req) => {
  const orderId = parseOr400(idSchema, req.pathParameters.orderId);
  await authorizeCustomer(orderId, req.query.token, clock());
  // The token is checked before the body: without a valid link nothing is looked at.
  const { paymentMethodRef } = parseBody(req.rawBody, paymentMethodBody);
  if (!(await appStore().getOrder(orderId))) {
    throw problems.notFound(`Order ${orderId} does not exist.`);
  }
  const retrying = await updatePaymentMethod(fulfilmentDeps(), orderId, paymentMethodRef);
  return { status: 200, body: { orderId, retryingLineIds: retrying } };
});
