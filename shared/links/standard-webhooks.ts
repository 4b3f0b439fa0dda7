import { createHmac, timingSafeEqual } from "node:crypto";

/**
 * Standard Webhooks (contract §3): `webhook-signature: v1,<base64 HMAC-SHA256 of
 * "{id}.{timestamp}.{raw body}">`, keyed by the secret's bytes (`whsec_<base64>`); several
 * space-separated signatures may be sent (key rotation); the timestamp (epoch seconds)
 * must be within the tolerance of now.
 */
export const WEBHOOK_TOLERANCE_SECONDS = 5 * 60;

export interface WebhookHeaders {
  id: string | undefined;
  timestamp: string | undefined;
  signature: string | undefined;
}

export type WebhookCheck =
  | { ok: true }
  | { ok: false; reason: "missing-headers" | "stale-timestamp" | "bad-signature" };

function keyOf(secret: string): Buffer {
  return Buffer.from(secret.startsWith("whsec_") ? secret.slice(6) : secret, "base64");
}

export function signWebhook(secret: string, id: string, timestamp: number, body: string): string {
  const mac = createHmac("sha256", keyOf(secret)).update(`${id}.${timestamp}.${body}`).digest();
  return `v1,${mac.toString("base64")}`;
}

/**
 * Checks a delivery against one secret. `nowSeconds` may name several acceptable "nows"
 * (locally: the real clock and the virtual one), any of which the timestamp may be near.
 */
export function verifyWebhook(
  secret: string,
  headers: WebhookHeaders,
  body: string,
  nowSeconds: readonly number[],
): WebhookCheck {
  const { id, timestamp, signature } = headers;
  if (!id || !timestamp || !signature || !/^\d{1,12}$/.test(timestamp)) {
    return { ok: false, reason: "missing-headers" };
  }
  const ts = Number(timestamp);
  if (!nowSeconds.some((now) => Math.abs(now - ts) <= WEBHOOK_TOLERANCE_SECONDS)) {
    return { ok: false, reason: "stale-timestamp" };
  }
  const expected = Buffer.from(signWebhook(secret, id, ts, body).slice(3), "base64");
  const matches = signature.split(" ").some((candidate) => {
    const [version, value] = candidate.split(",", 2);
    if (version !== "v1" || !value) return false;
    const given = Buffer.from(value, "base64");
    return given.length === expected.length && timingSafeEqual(given, expected);
  });
  return matches ? { ok: true } : { ok: false, reason: "bad-signature" };
}
