import { fromEnv } from "@aws-sdk/credential-provider-env";

/**
 * Stands in for `@aws-sdk/credential-provider-node` in the Lambda bundles (aliased in
 * infra/constructs/functions.ts). Lambda hands a function its role's credentials in the
 * environment (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN), the first
 * place the SDK's default chain looks; the rest of that chain (profiles, SSO, web identity,
 * container and instance metadata, and the STS and SSO clients they bring) would only add
 * weight and start-up time to every bundle. The local stack runs the functions from source,
 * with the full chain.
 */
export const defaultProvider = (init?: Parameters<typeof fromEnv>[0]) => fromEnv(init);
