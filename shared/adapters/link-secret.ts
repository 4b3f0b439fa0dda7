import { type LinkKeys, parseLinkKeys } from "../links/customer-links.ts";
import { configuredSecret } from "./secrets.ts";

/**
 * The secrets customer links are signed and checked with: Secrets Manager on AWS
 * (`BACKORDER_LINK_SIGNING_SECRET_ARN`), `BACKORDER_LINK_SIGNING_SECRET` locally. One
 * string, or JSON with the previous secret and until when it still opens links
 * (`parseLinkKeys`; README, "Rotating the link signing secret").
 */
export async function linkSigningKeys(): Promise<LinkKeys> {
  const raw = await configuredSecret({
    arnEnv: "BACKORDER_LINK_SIGNING_SECRET_ARN",
    valueEnv: "BACKORDER_LINK_SIGNING_SECRET",
  });
  if (!raw) throw new Error("missing configuration: the link signing secret");
  return parseLinkKeys(raw);
}

/** The secret new links are signed with. */
export async function linkSigningSecret(): Promise<string> {
  return (await linkSigningKeys()).current;
}
