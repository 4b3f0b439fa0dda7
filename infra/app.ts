import { App, Validations } from "aws-cdk-lib";
import { AwsSolutionsChecks } from "cdk-nag";
import {
  CUSTOMER_CONTEXT_ENV,
  pickAppContext,
  STACK_ID,
  validationFailedIn,
  writeAssemblyStamp,
} from "./assembly.ts";
import { sourceHash } from "./source-hash.ts";
import { BackorderStack } from "./stacks/backorder-stack.ts";
import { stageOf } from "./stage.ts";

/** The example sender of cdk.json: fine locally, refused for a deployable stack. */
export const PLACEHOLDER_EMAIL_FROM = "orders@example.com";

/** An address of the example domains (RFC 2606), which no one can verify in SES. */
export function isPlaceholderEmail(address: string): boolean {
  const domain = address.split("@")[1]?.toLowerCase() ?? "";
  return /(^|\.)(example\.(com|net|org)|example|test|invalid|localhost)$/.test(domain);
}

export { STACK_ID };

export interface BuildAppOptions {
  outdir?: string;
  /** Extra context, e.g. `aws:cdk:bundling-stacks: []` to skip bundling. */
  context?: Record<string, unknown>;
  /** Run the cdk-nag AwsSolutions checks (default true). */
  nag?: boolean;
  /** Run CDK's built-in CloudFormation template validation (default true; it only warns,
   * and takes seconds: the local stack turns it off). */
  cfnValidation?: boolean;
}

/** Builds the CDK app. `cdk synth` and `cdk deploy` run this file; tests and the local
 * stack call buildApp() in-process. */
export function buildApp(options: BuildAppOptions = {}) {
  const app = new App({
    outdir: options.outdir,
    context: options.context,
    builtinCloudFormationValidation: options.cfnValidation ?? true,
  });
  const ctx = (key: string) => app.node.tryGetContext(key) as string | undefined;
  const stage = stageOf(ctx("stage") || undefined, { sandboxPayments: ctx("sandboxPayments") });
  const emailFrom = ctx("emailFrom") || PLACEHOLDER_EMAIL_FROM;
  // A deployable stack sends from the shop's own address: the example one is for the local
  // stack and the tests (which say so with -c allowExampleEmail=true).
  if (isPlaceholderEmail(emailFrom) && ctx("allowExampleEmail") !== "true") {
    throw new Error(
      `emailFrom is ${emailFrom}: deploy with -c emailFrom=orders@<your domain> (and -c emailDomain=<your domain> to verify it in SES)`,
    );
  }
  const domainName = ctx("apiDomainName");
  const certificateArn = ctx("apiCertificateArn");
  if (Boolean(domainName) !== Boolean(certificateArn)) {
    throw new Error(
      "a custom API domain needs both -c apiDomainName=... and -c apiCertificateArn=...",
    );
  }
  const stack = new BackorderStack(app, STACK_ID, {
    stackName: stage.stackName,
    stage,
    ...(domainName && certificateArn ? { apiDomain: { name: domainName, certificateArn } } : {}),
    description: "Backorder engine: orders for out-of-stock items, filled oldest first",
    emailFrom,
    ...(ctx("hostedZoneId") ? { hostedZone: { id: ctx("hostedZoneId") as string } } : {}),
    sesSandbox: ctx("sesSandbox") === "on",
    ...(ctx("alarmEmail") ? { alarmEmail: ctx("alarmEmail") as string } : {}),
    emailDomain: ctx("emailDomain") || undefined,
    publicBaseUrl: ctx("publicBaseUrl") || undefined,
    customerEnvironment: Object.fromEntries(
      Object.entries(CUSTOMER_CONTEXT_ENV)
        .map(([key, variable]) => [variable, ctx(key)])
        .filter((entry): entry is [string, string] => Boolean(entry[1])),
    ),
    env: { account: process.env.CDK_DEFAULT_ACCOUNT, region: process.env.CDK_DEFAULT_REGION },
  });
  if (options.nag !== false) Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
  return { app, stack };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  // `cdk synth` / `cdk deploy`. The stamp lets the infra tests read this assembly instead
  // of synthesizing (and bundling) again while the sources are unchanged.
  const hash = sourceHash();
  const { app } = buildApp();
  const assembly = app.synth();
  writeAssemblyStamp(assembly.directory, {
    sourceHash: hash,
    context: pickAppContext((key) => app.node.tryGetContext(key)),
    validationFailed: process.exitCode === 1 || validationFailedIn(assembly.directory),
  });
}
