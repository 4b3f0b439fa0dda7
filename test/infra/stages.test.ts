import { Template } from "aws-cdk-lib/assertions";
import { describe, expect, it } from "vitest";
import { buildApp } from "../../infra/app.ts";
import { stageOf } from "../../infra/stage.ts";

type Resources = Record<
  string,
  { Type: string; Properties?: Record<string, unknown>; DeletionPolicy?: string }
>;

/** The app synthesized in-process for a stage (no bundling, no checks: the template only). */
function synth(context: Record<string, string>) {
  const { stack } = buildApp({
    context: { "aws:cdk:bundling-stacks": [], allowExampleEmail: "true", ...context },
    nag: false,
    cfnValidation: false,
  });
  const template = Template.fromStack(stack);
  return { stack, template, resources: template.toJSON().Resources as Resources };
}

const ofType = (resources: Resources, type: string) =>
  Object.values(resources).filter((r) => r.Type === type);

/** The values the functions' environments give a variable (a set: one when they agree). */
const functionsEnv = (resources: Resources, name: string) =>
  new Set(
    ofType(resources, "AWS::Lambda::Function").map(
      (f) =>
        (f.Properties?.Environment as { Variables?: Record<string, unknown> } | undefined)
          ?.Variables?.[name],
    ),
  );

const dev = synth({ stage: "dev" });
const prod = synth({ stage: "prod" });

describe("stages (-c stage=dev|prod)", () => {
  it("name the stack, the table, the secrets, the API and the machines' log groups", () => {
    for (const [{ stack, resources }, name] of [
      [dev, "dev"],
      [prod, "prod"],
    ] as const) {
      expect(stack.stackName).toBe(`BackorderEngine-${name}`);
      expect(ofType(resources, "AWS::DynamoDB::Table")[0]?.Properties?.TableName).toBe(
        `backorder-${name}`,
      );
      const secrets = ofType(resources, "AWS::SecretsManager::Secret").map((s) =>
        String(s.Properties?.Name),
      );
      expect(secrets.sort()).toEqual(
        [
          "customer-link-signing",
          "storefront-api-keys",
          "stripe-secret-key",
          "supplier-webhook-secrets",
          "warehouse-api-keys",
        ].map((secret) => `backorder-${name}/${secret}`),
      );
      expect(ofType(resources, "AWS::ApiGatewayV2::Api")[0]?.Properties?.Name).toBe(
        `backorder-${name}-api`,
      );
      const machineLogs = ofType(resources, "AWS::Logs::LogGroup")
        .map((g) => g.Properties?.LogGroupName)
        .filter((n): n is string => typeof n === "string");
      expect(machineLogs.sort()).toEqual([
        `/aws/vendedlogs/states/backorder-${name}-bulk`,
        `/aws/vendedlogs/states/backorder-${name}-lines`,
      ]);
    }
  });

  it("protect prod's table from deletion and keep its secrets with it; dev's secrets go", () => {
    const [prodTable] = ofType(prod.resources, "AWS::DynamoDB::Table");
    expect(prodTable?.Properties?.DeletionProtectionEnabled).toBe(true);
    expect(prodTable?.DeletionPolicy).toBe("Retain");
    for (const secret of ofType(prod.resources, "AWS::SecretsManager::Secret")) {
      expect(secret.DeletionPolicy, String(secret.Properties?.Name)).toBe("Retain");
    }
    const [devTable] = ofType(dev.resources, "AWS::DynamoDB::Table");
    expect(devTable?.Properties?.DeletionProtectionEnabled).toBe(false);
    for (const secret of ofType(dev.resources, "AWS::SecretsManager::Secret")) {
      expect(secret.DeletionPolicy, String(secret.Properties?.Name)).toBe("Delete");
    }
  });

  it("keep every log group a year in prod (a backorder lives for months), a month in dev", () => {
    for (const [{ resources }, days] of [
      [prod, 365],
      [dev, 30],
    ] as const) {
      const groups = ofType(resources, "AWS::Logs::LogGroup");
      expect(groups.length).toBeGreaterThan(30);
      for (const group of groups) expect(group.Properties?.RetentionInDays).toBe(days);
    }
  });

  it("log every step of the machines in dev, errors only in prod", () => {
    const levels = (resources: Resources) =>
      ofType(resources, "AWS::StepFunctions::StateMachine").map(
        (m) => (m.Properties?.LoggingConfiguration as { Level?: string } | undefined)?.Level,
      );
    expect(levels(dev.resources)).toEqual(["ALL", "ALL"]);
    expect(levels(prod.resources)).toEqual(["ERROR", "ERROR"]);
  });

  it("give dev's functions source maps, and prod's none", () => {
    const nodeOptions = (resources: Resources) => functionsEnv(resources, "NODE_OPTIONS");
    expect(nodeOptions(dev.resources)).toEqual(new Set(["--enable-source-maps"]));
    expect(nodeOptions(prod.resources)).toEqual(new Set([undefined]));
  });

  it("turn the sandbox payment provider off unless the context turns it on", () => {
    const sandbox = (resources: Resources) => functionsEnv(resources, "BACKORDER_SANDBOX_PAYMENTS");
    expect(sandbox(dev.resources)).toEqual(new Set(["off"]));
    expect(sandbox(prod.resources)).toEqual(new Set(["off"]));
    expect(sandbox(synth({ stage: "dev", sandboxPayments: "on" }).resources)).toEqual(
      new Set(["on"]),
    );
  });

  it("map a custom domain to the API and make it the customer links' base", () => {
    const { template, resources } = synth({
      stage: "prod",
      apiDomainName: "api.shop.example",
      apiCertificateArn: "arn:aws:acm:eu-west-1:123456789012:certificate/abc",
    });
    template.hasResourceProperties("AWS::ApiGatewayV2::DomainName", {
      DomainName: "api.shop.example",
    });
    template.resourceCountIs("AWS::ApiGatewayV2::ApiMapping", 1);
    expect(functionsEnv(resources, "BACKORDER_PUBLIC_BASE_URL")).toEqual(
      new Set(["https://api.shop.example"]),
    );
  });

  it("refuse an unknown stage, and a domain without its certificate", () => {
    expect(() => stageOf("staging")).toThrow(/unknown stage "staging"/);
    expect(() => synth({ apiDomainName: "api.shop.example" })).toThrow(/apiCertificateArn/);
  });
});

describe("SES on a fresh account", () => {
  it("refuses a deployable stack that would send from an example address", () => {
    const build = (context: Record<string, string>) =>
      buildApp({
        context: { "aws:cdk:bundling-stacks": [], ...context },
        nag: false,
        cfnValidation: false,
      });
    expect(() => build({})).toThrow(/emailFrom is orders@example.com/);
    expect(() => build({ emailFrom: "orders@shop.test" })).toThrow(/emailFrom/);
    expect(() => build({ emailFrom: "orders@shop.example.org" })).toThrow(/emailFrom/);
    expect(() => build({ emailFrom: "orders@lamps.shop" })).not.toThrow();
  });

  it("suppresses bounced and complaining addresses and sends sends, bounces, complaints and rejects to the event bus", () => {
    const { template } = dev;
    template.hasResourceProperties("AWS::SES::ConfigurationSet", {
      Name: "backorder-dev-email",
      SuppressionOptions: { SuppressedReasons: ["BOUNCE", "COMPLAINT"] },
    });
    const destinations = template.findResources("AWS::SES::ConfigurationSetEventDestination");
    const [destination] = Object.values(destinations) as {
      Properties: { EventDestination: Record<string, unknown> };
    }[];
    expect(destination?.Properties.EventDestination).toMatchObject({
      Enabled: true,
      MatchingEventTypes: ["send", "bounce", "complaint", "reject"],
      EventBridgeDestination: { EventBusArn: expect.anything() },
    });
    template.hasResourceProperties("AWS::Events::Rule", {
      EventPattern: {
        source: ["aws.ses"],
        "detail-type": [
          "Email Bounced",
          "Email Complaint Received",
          "Email Rejected",
          "Email Sent",
        ],
      },
    });
  });

  it("verifies the sending domain with DKIM: its DNS records as outputs, or made in a Route 53 zone", () => {
    const outputs = synth({ stage: "dev", emailDomain: "lamps.shop" }).template.toJSON()
      .Outputs as Record<string, unknown>;
    expect(Object.keys(outputs).filter((k) => k.startsWith("EmailDkimRecord"))).toHaveLength(3);
    const zoned = synth({ stage: "dev", emailDomain: "lamps.shop", hostedZoneId: "Z123" });
    expect(ofType(zoned.resources, "AWS::Route53::RecordSet")).toHaveLength(3);
    expect(Object.keys(zoned.template.toJSON().Outputs as object)).not.toContain(
      "EmailDkimRecord1",
    );
  });

  it("grants sending on every identity while the account is in the SES sandbox", () => {
    type Policy = { Statement: { Action: unknown; Resource: unknown }[] };
    const sendTargets = (resources: Resources) =>
      JSON.stringify(
        ofType(resources, "AWS::IAM::Policy").flatMap((p) =>
          ((p.Properties?.PolicyDocument as Policy | undefined)?.Statement ?? [])
            .filter((st) => JSON.stringify(st.Action).includes("ses:SendEmail"))
            .map((st) => st.Resource),
        ),
      );
    expect(sendTargets(dev.resources)).not.toContain("identity/*");
    expect(sendTargets(synth({ stage: "dev", sesSandbox: "on" }).resources)).toContain(
      "identity/*",
    );
  });
});
