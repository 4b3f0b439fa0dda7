import { errors, jwtVerify, SignJWT } from "jose";

/**
 * Signed customer links (contract §3, §9): a token scoped to one order that expires. The
 * token is a compact JWS (HS256, by `jose`) whose claims are `o` (the order id) and `exp`.
 */
export type TokenCheck =
  | { ok: true; orderId: string; expiresAt: Date }
  | { ok: false; reason: "malformed" | "bad-signature" | "expired" };

const keyOf = (secret: string) => new TextEncoder().encode(secret);

export function signOrderToken(secret: string, orderId: string, expiresAt: Date): Promise<string> {
  return new SignJWT({ o: orderId })
    .setProtectedHeader({ alg: "HS256" })
    .setExpirationTime(Math.floor(expiresAt.getTime() / 1000))
    .sign(keyOf(secret));
}

/** Checks a token's signature and expiry; it says nothing of which order is asked for. */
export async function verifyOrderToken(
  secret: string,
  token: string,
  now: Date,
): Promise<TokenCheck> {
  try {
    const { payload } = await jwtVerify(token, keyOf(secret), {
      algorithms: ["HS256"],
      currentDate: now,
      requiredClaims: ["exp"],
    });
    if (typeof payload.o !== "string" || typeof payload.exp !== "number") {
      return { ok: false, reason: "malformed" };
    }
    return { ok: true, orderId: payload.o, expiresAt: new Date(payload.exp * 1000) };
  } catch (error) {
    if (error instanceof errors.JWTExpired) return { ok: false, reason: "expired" };
    if (error instanceof errors.JWSSignatureVerificationFailed) {
      return { ok: false, reason: "bad-signature" };
    }
    if (error instanceof errors.JOSEError) return { ok: false, reason: "malformed" };
    throw error;
  }
}

export interface CustomerLinks {
  /** The order page (JSON, or HTML for browsers). */
  order: string;
  /** The order page opened on the cancel confirmation of one line. */
  cancelLine(lineId: string): string;
  /** The order page opened on the consent (keep waiting) of one line. */
  consentLine(lineId: string): string;
  /** The order page opened on choosing one substitute for one line. */
  substituteLine(lineId: string, sku: string): string;
}

/** The links an email gives the customer of one order, signed with a fresh token. */
export async function customerLinks(
  publicBaseUrl: string,
  secret: string,
  orderId: string,
  expiresAt: Date,
): Promise<CustomerLinks> {
  const token = encodeURIComponent(await signOrderToken(secret, orderId, expiresAt));
  const order = `${publicBaseUrl}/v1/customer/orders/${encodeURIComponent(orderId)}?token=${token}`;
  return {
    order,
    cancelLine: (lineId) => `${order}&action=cancel&lineId=${encodeURIComponent(lineId)}`,
    consentLine: (lineId) => `${order}&action=consent&lineId=${encodeURIComponent(lineId)}`,
    substituteLine: (lineId, sku) =>
      `${order}&action=substitute&lineId=${encodeURIComponent(lineId)}&sku=${encodeURIComponent(sku)}`,
  };
}
