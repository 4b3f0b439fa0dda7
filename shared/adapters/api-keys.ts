import { GetSecretValueCommand, SecretsManagerClient } from "@aws-sdk/client-secrets-manager";

export type KeyRole = "storefront" | "warehouse";

/**
 * API keys by role. On AWS each role's key lives in a Secrets Manager secret named by
 * `BACKORDER_<ROLE>_KEY_SECRET_ARN`; locally (and wherever no secret is configured) the
 * keys come from `BACKORDER_<ROLE>_API_KEY` (comma-separated for rotation overlap).
 * Secrets are cached for five minutes so a rotated key takes effect without a deploy.
 */
const CACHE_MS = 5 * 60_000;
const cache = new Map<KeyRole, { keys: string[]; at: number }>();
let secrets: SecretsManagerClient | undefined;

export async function apiKeysFor(role: KeyRole): Promise<string[]> {
  const upper = role.toUpperCase();
  const secretArn = process.env[`BACKORDER_${upper}_KEY_SECRET_ARN`];
  if (!secretArn) return splitKeys(process.env[`BACKORDER_${upper}_API_KEY`]);
  const hit = cache.get(role);
  if (hit && Date.now() - hit.at < CACHE_MS) return hit.keys;
  secrets ??= new SecretsManagerClient({});
  const out = await secrets.send(new GetSecretValueCommand({ SecretId: secretArn }));
  const keys = splitKeys(out.SecretString);
  cache.set(role, { keys, at: Date.now() });
  return keys;
}

function splitKeys(raw: string | undefined): string[] {
  return (raw ?? "")
    .split(",")
    .map((k) => k.trim())
    .filter((k) => k.length > 0);
}
