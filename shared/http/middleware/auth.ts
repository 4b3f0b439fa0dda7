import { clock } from "../../adapters/clock.ts";
import { linkSigningKeys } from "../../adapters/link-secret.ts";
import { supplierSecrets } from "../../adapters/supplier-secrets.ts";
import { verifyOrderToken } from "../../links/customer-links.ts";
import { MAX_WEBHOOK_ID_LENGTH, verifyWebhook } from "../../links/standard-webhooks.ts";
import { appPorts } from "../../services/deps.ts";
import { authorizeApiKey } from "../auth.ts";
import { problems } from "../problem.ts";
import type { Role } from "../routes.ts";
import { type HttpMiddleware, httpOf } from "./request.ts";

/** Storefront and warehouse routes: `Authorization: Bearer <key>` of the route's role. */
export function apiKeyAuth(role: "storefront" | "warehouse"): HttpMiddleware {
  return {
    before: async (request) => {
      await authorizeApiKey(role, httpOf(request).headers.authorization);
    },
  };
}

/**
 * Customer routes (contract §3, §9) take the signed `token` from an email link: a missing,
 * forged, expired or withdrawn token is 401; a valid token for another order is 403.
 */
export function customerToken(): HttpMiddleware {
  return {
    before: async (request) => {
      const { query, pathParameters } = httpOf(request);
      const token = query.token;
      if (!token)
        throw problems.unauthorized("This link needs its token: open it from your email.");
      const check = await verifyOrderToken(await linkSigningKeys(), token, clock().now());
      if (!check.ok) {
        throw problems.unauthorized(
          check.reason === "expired"
            ? "This link has expired: open it from a more recent email."
            : "This link is not valid.",
        );
      }
      if (check.orderId !== pathParameters.orderId) {
        throw problems.forbidden("This link is for another order.");
      }
      // The shop may have withdrawn the order's links since this one was made. (No order:
      // the route answers 404 itself.)
      const order = await appPorts().orders.getOrder(check.orderId);
      if (order && check.generation !== (order.linkGeneration ?? 0)) {
        throw problems.unauthorized(
          "This link was withdrawn by the shop: open it from a more recent email.",
        );
      }
    },
  };
}

/**
 * Supplier routes: a Standard Webhooks signature with the supplier's own secret (contract
 * §3). A stale timestamp or a signature that does not verify is 401; one that verifies
 * with another supplier's secret is 403. Timestamps are checked against real time, and
 * locally also against the virtual clock (a test that moved it signs with its time).
 */
export function webhookSignature(): HttpMiddleware {
  return {
    before: async (request) => {
      const http = httpOf(request);
      const supplierId = http.pathParameters.supplierId ?? "";
      const secrets = new Map(Object.entries(await supplierSecrets()));
      const headers = {
        id: http.headers["webhook-id"],
        timestamp: http.headers["webhook-timestamp"],
        signature: http.headers["webhook-signature"],
      };
      const nows = [
        ...new Set([Math.floor(Date.now() / 1000), Math.floor(clock().now().getTime() / 1000)]),
      ];
      const own = secrets.get(supplierId);
      const check = own
        ? verifyWebhook(own, headers, http.rawBody, nows)
        : ({ ok: false, reason: "bad-signature" } as const);
      if (!check.ok) {
        // Whoever sent it, the delivery cannot be taken: say why (no secret is involved).
        if (check.reason === "id-too-long") {
          throw problems.badRequest(
            `The webhook-id is at most ${MAX_WEBHOOK_ID_LENGTH} characters.`,
            [
              {
                path: "/headers/webhook-id",
                message: `at most ${MAX_WEBHOOK_ID_LENGTH} characters`,
              },
            ],
          );
        }
        if (check.reason === "stale-timestamp") {
          throw problems.unauthorized("The webhook-timestamp is more than 5 minutes off.");
        }
        const someoneElse = [...secrets].some(
          ([id, secret]) => id !== supplierId && verifiesWith(secret, headers, http.rawBody, nows),
        );
        if (someoneElse) throw problems.forbidden("A supplier may post only under its own id.");
        throw problems.unauthorized("The webhook signature does not verify.");
      }
      http.webhook = { supplierId, id: headers.id as string };
    },
  };
}

/** Whether a delivery verifies with a secret; a secret that cannot be used (not base64,
 * say) verifies nothing, rather than failing every other supplier's request. */
function verifiesWith(
  secret: string,
  headers: Parameters<typeof verifyWebhook>[1],
  body: string,
  nows: number[],
): boolean {
  try {
    return verifyWebhook(secret, headers, body, nows).ok;
  } catch {
    return false;
  }
}

/** The credential check of a route's role (public routes have none). */
export function authFor(role: Role): HttpMiddleware | null {
  switch (role) {
    case "storefront":
    case "warehouse":
      return apiKeyAuth(role);
    case "customer":
      return customerToken();
    case "supplier":
      return webhookSignature();
    case "public":
      return null;
  }
}
