import { createHmac, timingSafeEqual } from "node:crypto";

/**
 * Signed customer links (contract §3, §9): a token scoped to one order that expires.
 * Format: `<payload>.<signature>`, both base64url; the payload is `{"o":orderId,"e":exp}`
 * with `exp` in epoch seconds, the signature HMAC-SHA256 of the payload text.
 */
export type TokenCheck =
  | { ok: true; orderId: string; expiresAt: Date }
  | { ok: false; reason: "malformed" | "bad-signature" | "expired" };

function sign(secret: string, payload: string): Buffer {
  return createHmac("sha256", secret).update(payload).digest();
}

export function signOrderToken(secret: string, orderId: string, expiresAt: Date): string {
  const payload = Buffer.from(
    JSON.stringify({ o: orderId, e: Math.floor(expiresAt.getTime() / 1000) }),
  ).toString("base64url");
  return `${payload}.${sign(secret, payload).toString("base64url")}`;
}

/** Checks a token's signature and expiry; it says nothing of which order is asked for. */
export function verifyOrderToken(secret: string, token: string, now: Date): TokenCheck {
  const [payload, signature, ...rest] = token.split(".");
  if (!payload || !signature || rest.length > 0) return { ok: false, reason: "malformed" };
  const given = Buffer.from(signature, "base64url");
  const expected = sign(secret, payload);
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
    return { ok: false, reason: "bad-signature" };
  }
  let claims: unknown;
  try {
    claims = JSON.parse(Buffer.from(payload, "base64url").toString("utf8"));
  } catch {
    return { ok: false, reason: "malformed" };
  }
  const { o, e } = (claims ?? {}) as { o?: unknown; e?: unknown };
  if (typeof o !== "string" || typeof e !== "number") return { ok: false, reason: "malformed" };
  const expiresAt = new Date(e * 1000);
  if (now.getTime() >= expiresAt.getTime()) return { ok: false, reason: "expired" };
  return { ok: true, orderId: o, expiresAt };
}

export interface CustomerLinks {
  /** The order page (JSON, or HTML for browsers). */
  order: string;
  /** The order page opened on the cancel confirmation of one line. */
  cancelLine(lineId: string): string;
  /** The order page opened on the consent (keep waiting) of one line. */
  consentLine(lineId: string): string;
}

/** The links an email gives the customer of one order, signed with a fresh token. */
export function customerLinks(
  publicBaseUrl: string,
  secret: string,
  orderId: string,
  expiresAt: Date,
): CustomerLinks {
  const token = encodeURIComponent(signOrderToken(secret, orderId, expiresAt));
  const order = `${publicBaseUrl}/v1/customer/orders/${encodeURIComponent(orderId)}?token=${token}`;
  return {
    order,
    cancelLine: (lineId) => `${order}&action=cancel&lineId=${encodeURIComponent(lineId)}`,
    consentLine: (lineId) => `${order}&action=consent&lineId=${encodeURIComponent(lineId)}`,
  };
}
