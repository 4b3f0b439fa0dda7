import { GetSecretValueCommand, SecretsManagerClient } from "@aws-sdk/client-secrets-manager";
import { beforeSecretRead } from "./local-hooks.ts";

/**
 * A secret by configuration: on AWS a Secrets Manager ARN in the env variable `arnEnv`
 * (cached for five minutes, so a rotated value takes effect without a deploy); locally,
 * and wherever no ARN is set, the plain value of the env variable `valueEnv`.
 */
const CACHE_MS = 5 * 60_000;
const cache = new Map<string, { value: string; at: number }>();
let client: SecretsManagerClient | undefined;

export async function configuredSecret(env: {
  arnEnv: string;
  valueEnv: string;
}): Promise<string | undefined> {
  const arn = process.env[env.arnEnv];
  if (!arn) {
    // The local stack checks the function's role may read the secret (local IAM).
    beforeSecretRead(env.arnEnv);
    return process.env[env.valueEnv] || undefined;
  }
  const hit = cache.get(arn);
  if (hit && Date.now() - hit.at < CACHE_MS) return hit.value;
  client ??= new SecretsManagerClient({});
  const out = await client.send(new GetSecretValueCommand({ SecretId: arn }));
  const value = out.SecretString ?? "";
  cache.set(arn, { value, at: Date.now() });
  return value;
}
