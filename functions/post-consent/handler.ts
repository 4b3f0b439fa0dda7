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
  const lines = await appStore().listLines(orderId);
  let line = lines.find((l) => l.lineId === lineId);
  if (!line) throw problems.notFound(`Line ${lineId} of order ${orderId} does not exist.`);
  // Part of the line came in since the email: the consent is for the part still waiting.
  if (line.status !== "backordered") {
    line = lines.find((l) => l.splitFrom === lineId && l.status === "backordered") ?? line;
  }
  const waiting = line;
  if (waiting.status !== "backordered") {
    throw problems.conflict(
      "line-not-waiting",
      "Line not waiting",
      `The line is ${waiting.status}; there is nothing to consent to.`,
    );
  }
  if (await appStore().recordConsent(orderId, waiting.lineId)) {
    await fulfilmentDeps().signals.wake(orderId, waiting.lineId, "consented");
  }
  const after = (await appStore().getLine(orderId, waiting.lineId)) ?? waiting;
  return {
    status: 200,
    body: {
      lineId: waiting.lineId,
      status: after.status,
      promisedBy: after.promisedBy,
      consentedUntil: after.consentedFor ?? null,
    },
  };
});
