import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { repoRoot } from "./paths.ts";
import { sourceHash } from "./source-hash.ts";

/** The id of the app's one stack. */
export const STACK_ID = "BackorderEngine";

/** Where `cdk synth` writes the cloud assembly (the CDK CLI's default). */
export const ASSEMBLY_DIR = join(repoRoot, "cdk.out");

/** The context keys the app reads that shape the template (see buildApp). Not listed:
 * `allowExampleEmail`, which only lets the example sender through (tests, local stack). */
export const APP_CONTEXT_KEYS = [
  "stage",
  "sandboxPayments",
  "apiDomainName",
  "apiCertificateArn",
  "alarmEmail",
  "hostedZoneId",
  "sesSandbox",
  "emailFrom",
  "emailDomain",
  "publicBaseUrl",
  "shopName",
  "shopLogoUrl",
  "shopSupportEmail",
  "shopFooter",
  "shopUrl",
  "trackingPages",
  "remedyShippingDiscountPercent",
  "remedyFutureDiscountPercent",
  "remedyDiscountCodes",
] as const;

/** The context keys that set the customer-facing configuration, and the variable each
 * becomes in every function's environment (shared/config.ts reads them). */
export const CUSTOMER_CONTEXT_ENV = {
  shopName: "BACKORDER_SHOP_NAME",
  shopLogoUrl: "BACKORDER_SHOP_LOGO_URL",
  shopSupportEmail: "BACKORDER_SHOP_SUPPORT_EMAIL",
  shopFooter: "BACKORDER_SHOP_FOOTER",
  shopUrl: "BACKORDER_SHOP_URL",
  trackingPages: "BACKORDER_TRACKING_PAGES",
  remedyShippingDiscountPercent: "BACKORDER_REMEDY_SHIPPING_DISCOUNT_PERCENT",
  remedyFutureDiscountPercent: "BACKORDER_REMEDY_FUTURE_DISCOUNT_PERCENT",
  remedyDiscountCodes: "BACKORDER_REMEDY_DISCOUNT_CODES",
} as const satisfies Partial<Record<(typeof APP_CONTEXT_KEYS)[number], string>>;
export type AppContext = Partial<Record<(typeof APP_CONTEXT_KEYS)[number], string>>;

/** Written beside a cloud assembly by `cdk synth` (infra/app.ts): what it was made from. */
export const ASSEMBLY_STAMP_FILE = "backorder-source.json";

export interface AssemblyStamp {
  /** sourceHash() of the sources when synthesis started. */
  sourceHash: string;
  /** The app's context values. */
  context: AppContext;
  /** True when a validation plugin (cdk-nag) failed the synthesis (see validationFailedIn). */
  validationFailed: boolean;
}

export function writeAssemblyStamp(outdir: string, stamp: AssemblyStamp): void {
  writeFileSync(join(outdir, ASSEMBLY_STAMP_FILE), `${JSON.stringify(stamp, null, 2)}\n`);
}

/**
 * True when a validation plugin failed in the assembly's `validation-report.json`. (Under
 * `cdk synth` the CLI reads that report and fails the command; the app itself exits 0.)
 */
export function validationFailedIn(outdir: string): boolean {
  const file = join(outdir, "validation-report.json");
  if (!existsSync(file)) return false;
  const report = JSON.parse(readFileSync(file, "utf8")) as {
    pluginReports?: { conclusion?: string }[];
  };
  return (report.pluginReports ?? []).some((r) => r.conclusion === "failure");
}

export function readAssemblyStamp(outdir: string): AssemblyStamp | undefined {
  const file = join(outdir, ASSEMBLY_STAMP_FILE);
  if (!existsSync(file)) return undefined;
  try {
    return JSON.parse(readFileSync(file, "utf8")) as AssemblyStamp;
  } catch {
    return undefined;
  }
}

/** The context `cdk synth` gives the app by default (cdk.json). */
export function defaultAppContext(root: string = repoRoot): AppContext {
  const cdkJson = JSON.parse(readFileSync(join(root, "cdk.json"), "utf8")) as {
    context?: Record<string, unknown>;
  };
  return pickAppContext((key) => cdkJson.context?.[key]);
}

export function pickAppContext(get: (key: string) => unknown): AppContext {
  const out: AppContext = {};
  for (const key of APP_CONTEXT_KEYS) {
    const value = get(key);
    if (typeof value === "string") out[key] = value;
  }
  return out;
}

/** The template of the app's stack in a cloud assembly. */
export function readStackTemplate<T>(outdir: string = ASSEMBLY_DIR): T {
  const manifest = JSON.parse(readFileSync(join(outdir, "manifest.json"), "utf8")) as {
    artifacts?: Record<string, { type: string; properties?: { templateFile?: string } }>;
  };
  const templateFile = manifest.artifacts?.[STACK_ID]?.properties?.templateFile;
  if (!templateFile) throw new Error(`${outdir} has no stack ${STACK_ID}`);
  return JSON.parse(readFileSync(join(outdir, templateFile), "utf8")) as T;
}

/**
 * True when `outdir` holds a cloud assembly that `cdk synth` made from the sources as they
 * are now, with the default context: tests may read it instead of synthesizing again.
 */
export function isFreshAssembly(outdir: string = ASSEMBLY_DIR, root: string = repoRoot): boolean {
  const stamp = readAssemblyStamp(outdir);
  if (!stamp || !existsSync(join(outdir, "manifest.json"))) return false;
  return (
    stamp.sourceHash === sourceHash(root) &&
    JSON.stringify(stamp.context) === JSON.stringify(defaultAppContext(root))
  );
}
