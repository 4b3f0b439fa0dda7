import { refusals } from "../domain/errors.ts";
import type { AppPorts } from "../ports/app.ts";

/**
 * The shop withdraws an order's customer links (a link forwarded, an email sent to the wrong
 * address): every link emailed so far stops opening (401), whatever its expiry, and the
 * emails sent from now on carry new links. Other orders' links, and the signing secret,
 * are untouched. Unknown order: 404, nothing written.
 */
export async function revokeCustomerLinks(
  deps: Pick<AppPorts, "orders" | "clock">,
  orderId: string,
): Promise<{ orderId: string; linkGeneration: number; linksRevokedAt: string }> {
  const at = deps.clock.now();
  const generation = await deps.orders.revokeLinks(orderId, at);
  if (generation === null) throw refusals.notFound(`Order ${orderId}`);
  return { orderId, linkGeneration: generation, linksRevokedAt: at.toISOString() };
}
