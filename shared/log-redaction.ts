/**
 * What never reaches a log line: a customer's full email address, a credential or a
 * token. Errors from SES ("... failed the check: alice@example.com"), the payment
 * provider and the SDKs quote such values in their messages, and any attribute a caller
 * logs could carry one; the logger passes every string it prints through `redact`.
 */

const EMAIL =
  /[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@((?:[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?\.)+[A-Za-z]{2,})/g;
/** Payment provider secrets: secret and restricted keys, webhook secrets, client secrets. */
const PROVIDER_SECRET =
  /\b(sk|rk|whsec|pi_[A-Za-z0-9]+_secret|seti_[A-Za-z0-9]+_secret)_[A-Za-z0-9_]{6,}/g;
/** An `Authorization` value. */
const BEARER = /\b(Bearer|Basic)\s+[A-Za-z0-9._~+/=-]{6,}/gi;
/** A customer link's token in a URL or query. */
const TOKEN_PARAM = /\b(token=)[^&\s"'<>]+/gi;
/** Step Functions task tokens and other opaque credentials: 60 or more base64 characters
 * in a row. Ids (UUIDs, ULIDs, execution names) are shorter or broken up by dashes. */
const LONG_TOKEN = /[A-Za-z0-9+/=]{60,}/g;
/** Attributes whose value is a credential whatever it looks like. */
const SECRET_KEY = /token|secret|password|authorization|api-?key|signature|cookie/i;

/** The text with every email address, credential and token in it masked. */
export function redact(text: string): string {
  return text
    .replace(EMAIL, "***@$1")
    .replace(PROVIDER_SECRET, (_, kind: string) => `${kind}_***`)
    .replace(BEARER, (_, scheme: string) => `${scheme} ***`)
    .replace(TOKEN_PARAM, "$1***")
    .replace(LONG_TOKEN, "***");
}

/** A value with every string in it redacted, down to `depth` levels (errors are left to
 * the logger's error formatting, which redacts them field by field). */
export function redactDeep(value: unknown, depth = 8): unknown {
  if (typeof value === "string") return redact(value);
  if (depth <= 0 || value === null || typeof value !== "object" || value instanceof Error) {
    return value;
  }
  if (Array.isArray(value)) return value.map((v) => redactDeep(v, depth - 1));
  const out: Record<string, unknown> = {};
  for (const [key, v] of Object.entries(value)) {
    out[key] = SECRET_KEY.test(key) && typeof v === "string" ? "***" : redactDeep(v, depth - 1);
  }
  return out;
}

/** The parts of an error a log line may show: its name and its message, redacted; never
 * the properties a client library hangs on it (raw responses, request headers, bodies). */
export function describeError(error: unknown): { name: string; message: string } {
  if (error instanceof Error) return { name: error.name, message: redact(error.message) };
  return { name: typeof error, message: redact(String(error)) };
}
