import { timingSafeEqual } from "node:crypto";
import { Webhook } from "standardwebhooks";

/**
 * Standard Webhooks (contract §3): `webhook-signature: v1,<base64 HMAC-SHA256 of
 * "{id}.{timestamp}.{raw body}">`, keyed by the secret's bytes (`whsec_<base64>`); several
 * space-separated signatures may be sent (key rotation); the timestamp (epoch seconds)
 * must be within the tolerance of now.
 *
 * The signing is the reference implementation's (`standardwebhooks`). The timestamp window
 * is ours: the library checks it against the process clock only, and the local stack must
 * also accept a sender on its virtual clock.
 */
export const WEBHOOK_TOLERANCE_SECONDS = 5 * 60;

/** Longest `webhook-id` accepted (it becomes part of a key, hashed should it not fit). */
export const MAX_WEBHOOK_ID_LENGTH = 255;

export interface WebhookHeaders {
  id: string | undefined;
  timestamp: string | undefined;
  signature: string | undefined;
}

export type WebhookCheck =
  | { ok: true }
  | { ok: false; reason: "missing-headers" | "id-too-long" | "stale-timestamp" | "bad-signature" };

export function signWebhook(secret: string, id: string, timestamp: number, body: string): string {
  return new Webhook(secret).sign(id, new Date(timestamp * 1000), body);
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
  if (!id || !signature || !/^\d{1,12}$/.test(timestamp ?? "")) {
    return { ok: false, reason: "missing-headers" };
  }
  if (id.length > MAX_WEBHOOK_ID_LENGTH) return { ok: false, reason: "id-too-long" };
  const ts = Number(timestamp);
  if (!nowSeconds.some((now) => Math.abs(now - ts) <= WEBHOOK_TOLERANCE_SECONDS)) {
    return { ok: false, reason: "stale-timestamp" };
  }
  const expected = Buffer.from(signWebhook(secret, id, ts, body));
  const matches = signature.split(" ").some((candidate) => {
    const given = Buffer.from(candidate);
    return given.length === expected.length && timingSafeEqual(given, expected);
  });
  return matches ? { ok: true } : { ok: false, reason: "bad-signature" };
}
