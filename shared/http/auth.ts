import { createHash, timingSafeEqual } from "node:crypto";
import { apiKeysFor, type KeyRole } from "../adapters/api-keys.ts";
import { problems } from "./problem.ts";

const KEY_ROLES: readonly KeyRole[] = ["storefront", "warehouse"];

function digest(value: string): Buffer {
  return createHash("sha256").update(value).digest();
}

function sameKey(a: string, b: string): boolean {
  return timingSafeEqual(digest(a), digest(b));
}

/** The role whose API key this is, or null. Compares in constant time. */
export async function roleOfKey(key: string): Promise<KeyRole | null> {
  for (const role of KEY_ROLES) {
    const keys = await apiKeysFor(role);
    if (keys.some((k) => sameKey(k, key))) return role;
  }
  return null;
}

/**
 * Checks an `Authorization: Bearer <key>` header against a route's role: no or unknown
 * key → 401, a valid key of another role → 403.
 */
export async function authorizeApiKey(
  required: KeyRole,
  authorization: string | undefined,
): Promise<void> {
  const match = /^Bearer\s+(\S+)\s*$/i.exec(authorization ?? "");
  if (!match?.[1]) throw problems.unauthorized("Send 'Authorization: Bearer <API key>'.");
  const role = await roleOfKey(match[1]);
  if (!role) throw problems.unauthorized("The API key is not valid.");
  if (role !== required) throw problems.forbidden(`This route needs a ${required} key.`);
}
