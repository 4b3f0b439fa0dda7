import { absentClass } from "./aws-sdk.ts";

/** Stands in for `@aws-sdk/client-secrets-manager` where a function reads no secret
 * (refuse.ts). */
const Absent = absentClass(
  "@aws-sdk/client-secrets-manager",
  "api-keys:read, links:read, payments:read, payments:charge or suppliers:read",
);

export class SecretsManagerClient extends Absent {}
export class GetSecretValueCommand extends Absent {}
