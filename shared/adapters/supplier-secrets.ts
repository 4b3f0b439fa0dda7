import { configuredSecret } from "./secrets.ts";

/**
 * Webhook secrets by supplier id (`{"acme":"whsec_…"}`): a Secrets Manager secret on AWS
 * (`BACKORDER_SUPPLIER_SECRETS_ARN`), `BACKORDER_SUPPLIER_SECRETS` locally.
 */
export async function supplierSecrets(): Promise<Record<string, string>> {
  const raw = await configuredSecret({
    arnEnv: "BACKORDER_SUPPLIER_SECRETS_ARN",
    valueEnv: "BACKORDER_SUPPLIER_SECRETS",
  });
  if (!raw) return {};
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch {
    // Not the parser's message: it quotes the text, which is secret.
    throw new Error("supplier secrets must be a JSON object of supplier id to secret");
  }
  if (!parsed || typeof parsed !== "object" || Array.isArray(parsed)) {
    throw new Error("supplier secrets must be a JSON object of supplier id to secret");
  }
  return Object.fromEntries(
    Object.entries(parsed as Record<string, unknown>).filter(
      (e): e is [string, string] => typeof e[1] === "string" && e[1].length > 0,
    ),
  );
}
