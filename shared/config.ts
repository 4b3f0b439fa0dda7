import type { RemedyConfig } from "./domain/remedies.ts";
import { EXAMPLE_SHOP, type ShopProfile } from "./emails/shop.ts";

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

/** The machine's own ARN, for its tasks: the machine passes it in ($$.StateMachine.Id). */
let lineStateMachineFromTask: string | undefined;

export function useLineStateMachine(arn: string): void {
  lineStateMachineFromTask = arn;
}

export const config = {
  tableName: () => required("BACKORDER_TABLE_NAME"),
  /** Orders may name the `sandbox` payment provider (its charges move no money): `on` in
   * the local stack, off in a deployed stage unless its context turns it on. */
  sandboxPayments: () => process.env.BACKORDER_SANDBOX_PAYMENTS === "on",
  /** From the environment (API functions) or from the task input (the machine's own tasks,
   * which cannot be given it in their environment without a dependency cycle). */
  lineStateMachineArn: () =>
    process.env.BACKORDER_LINE_STATE_MACHINE_ARN ||
    lineStateMachineFromTask ||
    required("BACKORDER_LINE_STATE_MACHINE_ARN"),
  /** The bulk machine (API functions that may hand work to it have it in their environment). */
  bulkStateMachineArn: () => required("BACKORDER_BULK_STATE_MACHINE_ARN"),
  /** Seconds an HTTP call works on bulk work itself before it hands the rest to a bulk job
   * (and a receipt answers 202). Well inside the HTTP API's 30 s. */
  inlineWorkSeconds: () => numberOr("BACKORDER_INLINE_WORK_SECONDS", 5, true),
  /**
   * Per-second rates of side effects, across every instance (0 turns one off): payment
   * provider calls (Stripe: 25/s in test mode, 100/s live), emails (SES: the account's
   * MaxSendRate; 14/s is a new production account's), wake-ups (SendTaskSuccess) and
   * execution starts (StartExecution: 150/s refills most regions' bucket; 300/s us-east-1's).
   */
  rates: () => ({
    payments: numberOr("BACKORDER_RATE_PAYMENTS", 25, true),
    emails: numberOr("BACKORDER_RATE_EMAILS", 14, true),
    wakes: numberOr("BACKORDER_RATE_WAKES", 100, true),
    starts: numberOr("BACKORDER_RATE_STARTS", 150, true),
  }),
  emailFrom: () => required("BACKORDER_EMAIL_FROM"),
  /** The shop emails and the order page speak for (context `shop*`, or the environment). */
  shop: (): ShopProfile => {
    const name = process.env.BACKORDER_SHOP_NAME || EXAMPLE_SHOP.name;
    return {
      name,
      logoUrl: process.env.BACKORDER_SHOP_LOGO_URL || null,
      supportEmail:
        process.env.BACKORDER_SHOP_SUPPORT_EMAIL ||
        process.env.BACKORDER_EMAIL_FROM ||
        EXAMPLE_SHOP.supportEmail,
      footer: process.env.BACKORDER_SHOP_FOOTER || name,
      url: process.env.BACKORDER_SHOP_URL || null,
      trackingPages: trackingPages(process.env.BACKORDER_TRACKING_PAGES),
    };
  },
  /** What the delay tiers give (contract §8): percentages and, optionally, codes. */
  remedies: (): RemedyConfig => ({
    shippingDiscountPercent: numberOr("BACKORDER_REMEDY_SHIPPING_DISCOUNT_PERCENT", 50),
    futureDiscountPercent: numberOr("BACKORDER_REMEDY_FUTURE_DISCOUNT_PERCENT", 10),
    codes: (process.env.BACKORDER_REMEDY_DISCOUNT_CODES ?? "")
      .split(",")
      .map((c) => c.trim())
      .filter(Boolean),
  }),
  /** SES configuration set, if any (AWS only). */
  emailConfigurationSet: () => process.env.BACKORDER_SES_CONFIGURATION_SET || undefined,
  /** Base URL customers' links point at (the API's public URL). */
  publicBaseUrl: () => required("BACKORDER_PUBLIC_BASE_URL").replace(/\/+$/, ""),
  checkInAfterSilentDays: () => numberOr("BACKORDER_CHECK_IN_AFTER_DAYS", 14),
  /** Hours a declined line waits for a new payment method before it is cancelled. */
  paymentWindowHours: () => numberOr("BACKORDER_PAYMENT_WINDOW_HOURS", 72),
  /** Seconds a line parked for a shipment, a group or a callback re-checks itself. */
  recheckSeconds: () => numberOr("BACKORDER_RECHECK_SECONDS", 7 * 86_400),
  /** Delay escalation thresholds (contract §8), in days. */
  delays: () => ({
    silentDays: numberOr("BACKORDER_DELAY_SILENT_DAYS", 3, true),
    apologyDays: numberOr("BACKORDER_DELAY_APOLOGY_DAYS", 7),
    substitutesDays: numberOr("BACKORDER_DELAY_SUBSTITUTES_DAYS", 14),
    consentAfterTotalDays: numberOr("BACKORDER_CONSENT_AFTER_TOTAL_DAYS", 30),
    unknownConsentDays: numberOr("BACKORDER_UNKNOWN_DATE_CONSENT_DAYS", 30),
  }),
  /** Minutes the reconciler's backstop leaves a stopped line execution to its event. */
  restartGraceMinutes: () => numberOr("BACKORDER_RESTART_GRACE_MINUTES", 5),
  /** Restarts of one line's execution before it is left to an operator. */
  maxExecutionRestarts: () => numberOr("BACKORDER_MAX_EXECUTION_RESTARTS", 5),
  /** Days the signed links in an email stay valid. */
  linkTtlDays: () => numberOr("BACKORDER_LINK_TTL_DAYS", 90),
  /** Days a stored Idempotency-Key answer is replayed. */
  idempotencyTtlDays: () => numberOr("BACKORDER_IDEMPOTENCY_TTL_DAYS", 7),
};

/** `{"carrier name": "https://…{number}…"}`, or nothing. */
function trackingPages(raw: string | undefined): Record<string, string> {
  if (!raw) return {};
  const parsed = JSON.parse(raw) as unknown;
  if (!parsed || typeof parsed !== "object" || Array.isArray(parsed)) {
    throw new Error("invalid configuration: BACKORDER_TRACKING_PAGES");
  }
  const out: Record<string, string> = {};
  for (const [carrier, url] of Object.entries(parsed)) {
    if (typeof url !== "string" || !url.startsWith("https://") || !url.includes("{number}")) {
      throw new Error("invalid configuration: BACKORDER_TRACKING_PAGES");
    }
    out[carrier.toLowerCase()] = url;
  }
  return out;
}

function numberOr(name: string, fallback: number, zeroAllowed = false): number {
  const raw = process.env[name];
  if (raw === undefined || raw === "") return fallback;
  const value = Number(raw);
  if (!Number.isFinite(value) || value < 0 || (value === 0 && !zeroAllowed)) {
    throw new Error(`invalid configuration: ${name}`);
  }
  return value;
}
