import { configuredSecret } from "./secrets.ts";

export type KeyRole = "storefront" | "warehouse";

/**
 * API keys by role: a Secrets Manager secret on AWS (`BACKORDER_<ROLE>_KEY_SECRET_ARN`),
 * locally `BACKORDER_<ROLE>_API_KEY`. Comma-separated, so an old and a new key can
 * overlap while clients rotate.
 */
export async function apiKeysFor(role: KeyRole): Promise<string[]> {
  const upper = role.toUpperCase();
  const raw = await configuredSecret({
    arnEnv: `BACKORDER_${upper}_KEY_SECRET_ARN`,
    valueEnv: `BACKORDER_${upper}_API_KEY`,
  });
  return (raw ?? "")
    .split(",")
    .map((k) => k.trim())
    .filter((k) => k.length > 0);
}
