/**
 * Runtime configuration, read from the environment once. The CDK app sets these on every
 * Lambda; the local stack sets them for its in-process handlers. SDK endpoints come from
 * the SDK's own `AWS_ENDPOINT_URL_<SERVICE>` variables, so the same code runs on AWS and
 * locally.
 */
function required(name: string): string {
  const value = process.env[name];
  if (!value) throw new Error(`missing configuration: ${name}`);
  return value;
}

export const config = {
  tableName: () => required("BACKORDER_TABLE_NAME"),
  lineStateMachineArn: () => required("BACKORDER_LINE_STATE_MACHINE_ARN"),
  emailFrom: () => required("BACKORDER_EMAIL_FROM"),
  /** SES configuration set, if any (AWS only). */
  emailConfigurationSet: () => process.env.BACKORDER_SES_CONFIGURATION_SET || undefined,
  /** Base URL customers' links point at (the API's public URL). */
  publicBaseUrl: () => required("BACKORDER_PUBLIC_BASE_URL").replace(/\/+$/, ""),
  checkInAfterSilentDays: () => numberOr("BACKORDER_CHECK_IN_AFTER_DAYS", 14),
  /** Days the signed links in an email stay valid. */
  linkTtlDays: () => numberOr("BACKORDER_LINK_TTL_DAYS", 90),
  /** Days a stored Idempotency-Key answer is replayed. */
  idempotencyTtlDays: () => numberOr("BACKORDER_IDEMPOTENCY_TTL_DAYS", 7),
};

function numberOr(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === "") return fallback;
  const value = Number(raw);
  if (!Number.isFinite(value) || value <= 0) throw new Error(`invalid configuration: ${name}`);
  return value;
}
