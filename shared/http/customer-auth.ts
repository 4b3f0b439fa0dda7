import { linkSigningSecret } from "../adapters/link-secret.ts";
import { verifyOrderToken } from "../links/customer-links.ts";
import type { Clock } from "../ports/clock.ts";
import { problems } from "./problem.ts";

/**
 * Customer routes (contract §3, §9) take the signed `token` from an email link: a missing,
 * forged or expired token is 401; a valid token for another order is 403.
 */
export async function authorizeCustomer(
  orderId: string,
  token: string | undefined,
  clock: Clock,
): Promise<void> {
  if (!token) throw problems.unauthorized("This link needs its token: open it from your email.");
  const check = verifyOrderToken(await linkSigningSecret(), token, clock.now());
  if (!check.ok) {
    throw problems.unauthorized(
      check.reason === "expired"
        ? "This link has expired: open it from a more recent email."
        : "This link is not valid.",
    );
  }
  if (check.orderId !== orderId) throw problems.forbidden("This link is for another order.");
}
