import { httpHandler } from "../../shared/http/handler.ts";
import { orderId as idSchema, paymentMethodBody } from "../../shared/http/schemas.ts";
import { parseOr400 } from "../../shared/http/validation.ts";
import { updatePaymentMethod } from "../../shared/services/charging.ts";
import { appPorts } from "../../shared/services/deps.ts";

/**
 * `POST /v1/customer/orders/{orderId}/payment-method?token=…`: the customer gives a new
 * payment method; lines waiting for payment are charged again.
 */
export const handler = httpHandler(
  "post-payment-method",
  { body: paymentMethodBody },
  async (req) => {
    const orderId = parseOr400(idSchema, req.pathParameters.orderId);
    const retrying = await updatePaymentMethod(appPorts(), orderId, req.body.paymentMethodRef);
    return { status: 200, body: { orderId, retryingLineIds: retrying } };
  },
);
