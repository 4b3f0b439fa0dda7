import { clock } from "../../shared/adapters/clock.ts";
import { authorizeCustomer } from "../../shared/http/customer-auth.ts";
import { httpHandler } from "../../shared/http/handler.ts";
import { problems } from "../../shared/http/problem.ts";
import { orderId as idSchema } from "../../shared/http/schemas.ts";
import { parseOr400 } from "../../shared/http/validation.ts";
import { appStore, fulfilmentDeps } from "../../shared/services/deps.ts";

/**
 * `POST /v1/customer/orders/{orderId}/lines/{lineId}/consent?token=…`: the customer keeps
 * waiting for a delayed line (the FTC rule's consent); its timers are recomputed.
 */
export const handler = httpHandler("post-consent", {}, async (req) => {
  const orderId = parseOr400(idSchema, req.pathParameters.orderId);
  const lineId = parseOr400(idSchema, req.pathParameters.lineId);
  await authorizeCustomer(orderId, req.query.token, clock());
  const line = await appStore().getLine(orderId, lineId);
  if (!line) throw problems.notFound(`Line ${lineId} of order ${orderId} does not exist.`);
  if (line.status !== "backordered") {
    throw problems.conflict(
      "line-not-waiting",
      "Line not waiting",
      `The line is ${line.status}; there is nothing to consent to.`,
    );
  }
  if (await appStore().recordConsent(orderId, lineId)) {
    await fulfilmentDeps().signals.wake(orderId, lineId, "consented");
  }
  const after = (await appStore().getLine(orderId, lineId)) ?? line;
  return {
    status: 200,
    body: {
      lineId,
      status: after.status,
      promisedBy: after.promisedBy,
      consentedUntil: after.consentedFor ?? null,
    },
  };
});
