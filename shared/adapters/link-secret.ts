import { configuredSecret } from "./secrets.ts";

/**
 * The secret customer links are signed with: Secrets Manager on AWS
 * (`BACKORDER_LINK_SIGNING_SECRET_ARN`), `BACKORDER_LINK_SIGNING_SECRET` locally.
 */
export async function linkSigningSecret(): Promise<string> {
  const secret = await configuredSecret({
    arnEnv: "BACKORDER_LINK_SIGNING_SECRET_ARN",
    valueEnv: "BACKORDER_LINK_SIGNING_SECRET",
  });
  if (!secret || secret.length < 16) {
    throw new Error("missing configuration: the link signing secret (16 characters at least)");
  }
  return secret;
}
