import { errors, jwtVerify, SignJWT } from "jose";

/**
 * Signed customer links (contract §3, §9): a token scoped to one order that expires. The
 * token is a compact JWS (HS256, by `jose`) whose claims are `o` (the order id), `exp`, and
 * `g`, the order's link generation when the links were made (left out while it is 0): the
 * shop withdraws an order's links by moving its generation on, and a link of an earlier
 * generation no longer opens.
 */
export type TokenCheck =
  | { ok: true; orderId: string; expiresAt: Date; generation: number }
  | { ok: false; reason: "malformed" | "bad-signature" | "expired" };

const keyOf = (secret: string) => new TextEncoder().encode(secret);

/**
 * The secrets links are signed and checked with. New links are signed with `current`; a
 * link signed with `previous` still opens until `previousUntil`, so the secret can be
 * rotated (links leaked, a person who left) without breaking every email already sent.
 */
export interface LinkKeys {
  current: string;
  previous?: { secret: string; until: Date } | undefined;
}

/** Shortest secret taken: HS256 wants a key of 16 bytes at the least. */
export const MIN_LINK_SECRET_LENGTH = 16;

/**
 * The configured secret: a plain string (one secret), or, to rotate it, JSON
 * `{"current":"…","previous":"…","previousUntil":"2027-01-31T00:00:00Z"}`.
 */
export function parseLinkKeys(raw: string): LinkKeys {
  const trimmed = raw.trim();
  if (!trimmed.startsWith("{")) return { current: checkedSecret(raw, "the link signing secret") };
  let parsed: unknown;
  try {
    parsed = JSON.parse(trimmed);
  } catch {
    throw new Error("the link signing secret starts with { but is not JSON");
  }
  const { current, previous, previousUntil } = (parsed ?? {}) as Record<string, unknown>;
  const keys: LinkKeys = { current: checkedSecret(current, "current") };
  if (previous === undefined) return keys;
  const until = typeof previousUntil === "string" ? new Date(previousUntil) : null;
  if (!until || Number.isNaN(until.getTime())) {
    throw new Error("the link signing secret's previousUntil must be an ISO date and time");
  }
  return { ...keys, previous: { secret: checkedSecret(previous, "previous"), until } };
}

function checkedSecret(value: unknown, name: string): string {
  if (typeof value !== "string" || value.length < MIN_LINK_SECRET_LENGTH) {
    throw new Error(
      `missing configuration: ${name} (a string of ${MIN_LINK_SECRET_LENGTH} characters at least)`,
    );
  }
  return value;
}

/**
 * A compact JWS whose every part is canonical base64url. Decoders are lenient (padding,
 * stray characters, and the unused low bits of the last character are all let through),
 * so without this one link would have many spellings that all verify.
 */
function isCanonicalJws(token: string): boolean {
  const parts = token.split(".");
  return (
    parts.length === 3 &&
    parts.every(
      (part) =>
        /^[A-Za-z0-9_-]+$/.test(part) &&
        Buffer.from(part, "base64url").toString("base64url") === part,
    )
  );
}

export function signOrderToken(
  secret: string,
  orderId: string,
  expiresAt: Date,
  generation = 0,
): Promise<string> {
  return new SignJWT({ o: orderId, ...(generation > 0 ? { g: generation } : {}) })
    .setProtectedHeader({ alg: "HS256" })
    .setExpirationTime(Math.floor(expiresAt.getTime() / 1000))
    .sign(keyOf(secret));
}

/** Checks a token's signature and expiry; it says nothing of which order is asked for. A
 * token signed with the previous secret passes until that secret's `until`. */
export async function verifyOrderToken(
  keys: LinkKeys | string,
  token: string,
  now: Date,
): Promise<TokenCheck> {
  const { current, previous } =
    typeof keys === "string" ? { current: keys, previous: undefined } : keys;
  if (!isCanonicalJws(token)) return { ok: false, reason: "malformed" };
  const check = await verifyWith(current, token, now);
  if (check.ok || check.reason !== "bad-signature" || !previous || now >= previous.until) {
    return check;
  }
  return verifyWith(previous.secret, token, now);
}

async function verifyWith(secret: string, token: string, now: Date): Promise<TokenCheck> {
  try {
    const { payload } = await jwtVerify(token, keyOf(secret), {
      algorithms: ["HS256"],
      currentDate: now,
      requiredClaims: ["exp"],
    });
    const generation = payload.g ?? 0;
    if (
      typeof payload.o !== "string" ||
      typeof payload.exp !== "number" ||
      typeof generation !== "number" ||
      !Number.isSafeInteger(generation) ||
      generation < 0
    ) {
      return { ok: false, reason: "malformed" };
    }
    return {
      ok: true,
      orderId: payload.o,
      expiresAt: new Date(payload.exp * 1000),
      generation,
    };
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

/** The links an email gives the customer of one order, signed with a fresh token of the
 * order's link generation. */
export async function customerLinks(
  publicBaseUrl: string,
  secret: string,
  orderId: string,
  expiresAt: Date,
  generation = 0,
): Promise<CustomerLinks> {
  const token = encodeURIComponent(await signOrderToken(secret, orderId, expiresAt, generation));
  const order = `${publicBaseUrl}/v1/customer/orders/${encodeURIComponent(orderId)}?token=${token}`;
  return {
    order,
    cancelLine: (lineId) => `${order}&action=cancel&lineId=${encodeURIComponent(lineId)}`,
    consentLine: (lineId) => `${order}&action=consent&lineId=${encodeURIComponent(lineId)}`,
    substituteLine: (lineId, sku) =>
      `${order}&action=substitute&lineId=${encodeURIComponent(lineId)}&sku=${encodeURIComponent(sku)}`,
  };
}
