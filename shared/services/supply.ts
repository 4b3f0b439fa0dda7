import type { z } from "zod";
import type { DynamoDbSupply } from "../adapters/dynamodb-supply.ts";
import { parseBody } from "../http/handler.ts";
import { problems } from "../http/problem.ts";
import type { AsnBody } from "../http/schemas.ts";
import { verifyWebhook, type WebhookHeaders } from "../links/standard-webhooks.ts";

export interface SupplyDeps {
  supply: DynamoDbSupply;
  secrets: () => Promise<Record<string, string>>;
}

export interface AsnDelivery {
  supplierId: string;
  headers: WebhookHeaders;
  rawBody: string;
  schema: z.ZodType<AsnBody>;
  /** The system's clock (the virtual one locally). */
  now: Date;
}

/**
 * A supplier's advance shipping notice (contract §6): the signature is checked first
 * (401 when it does not verify or is stale; 403 when it is another supplier's), then a
 * redelivery (same webhook-id) answers the same and changes nothing, and a notice is
 * stored when it is new or a higher revision.
 */
export async function receiveAsn(deps: SupplyDeps, delivery: AsnDelivery) {
  const secrets = await deps.secrets();
  // Timestamps are checked against real time, and locally also against the virtual clock
  // (a test that moved it signs with its time).
  const nows = [
    ...new Set([Math.floor(Date.now() / 1000), Math.floor(delivery.now.getTime() / 1000)]),
  ];
  const own = secrets[delivery.supplierId];
  const check = own
    ? verifyWebhook(own, delivery.headers, delivery.rawBody, nows)
    : ({ ok: false, reason: "bad-signature" } as const);
  if (!check.ok) {
    if (check.reason === "stale-timestamp") {
      throw problems.unauthorized("The webhook-timestamp is more than 5 minutes off.");
    }
    const someoneElse = Object.entries(secrets).some(
      ([id, secret]) =>
        id !== delivery.supplierId &&
        verifyWebhook(secret, delivery.headers, delivery.rawBody, nows).ok,
    );
    if (someoneElse) throw problems.forbidden("A supplier may post only under its own id.");
    throw problems.unauthorized("The webhook signature does not verify.");
  }
  const webhookId = delivery.headers.id as string;
  const earlier = await deps.supply.getDelivery(delivery.supplierId, webhookId);
  if (earlier) return earlier as { asnId: string; status: string };
  const asn = parseBody(delivery.rawBody, delivery.schema);
  await deps.supply.saveAsn(delivery.supplierId, asn, delivery.now);
  const answer = { asnId: asn.asnId, status: "accepted" };
  await deps.supply.saveDelivery(delivery.supplierId, webhookId, answer, delivery.now);
  return answer;
}
