import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { App, Stack, Validations } from "aws-cdk-lib";
import { AttributeType, Table } from "aws-cdk-lib/aws-dynamodb";
import { AwsSolutionsChecks } from "cdk-nag";
import { afterAll, describe, expect, it } from "vitest";
import { buildApp } from "../../infra/app.ts";
import { ASSEMBLY_DIR, isFreshAssembly, readAssemblyStamp } from "../../infra/assembly.ts";

/**
 * cdk-nag 3 runs as a CDK policy-validation plugin. aws-cdk-lib writes every plugin's
 * findings to `validation-report.json` in the cloud assembly. Under `cdk synth` a failing
 * plugin makes the app exit 1 (so `cdk synth`, and `npm test`, fail) and infra/app.ts
 * records that in the assembly's stamp; in in-memory app mode (forced below through the
 * `@aws-cdk/core:appMode` context rather than left to NODE_ENV) `app.synth()` throws a
 * `ValidationFailed` error that contains the report. So: synthesis must not fail, and the
 * report must hold no AwsSolutions finding.
 */
const IN_MEMORY = { "@aws-cdk/core:appMode": "inmemory" };

interface ReportJson {
  pluginReports: {
    pluginName: string;
    conclusion: "success" | "failure";
    violations: { ruleName: string; violatingConstructs: { constructPath?: string }[] }[];
  }[];
}

const dirs: string[] = [];
function outdir(): string {
  const dir = mkdtempSync(join(tmpdir(), "backorder-nag-"));
  dirs.push(dir);
  return dir;
}

function readReport(dir: string): ReportJson {
  return JSON.parse(readFileSync(join(dir, "validation-report.json"), "utf8")) as ReportJson;
}

function nagFindings(report: ReportJson): string[] {
  return report.pluginReports
    .filter((r) => r.pluginName === "AwsSolutions")
    .flatMap((r) =>
      r.violations.flatMap((v) =>
        v.violatingConstructs.map((c) => `${v.ruleName} at ${c.constructPath ?? "?"}`),
      ),
    );
}

/** A bare stack with a DynamoDB table that has no point-in-time recovery (AwsSolutions-DDB3). */
function nonCompliantApp(dir: string, acknowledge: boolean) {
  // CDK's built-in CloudFormation validation only warns, and takes seconds to load.
  const app = new App({ outdir: dir, context: IN_MEMORY, builtinCloudFormationValidation: false });
  const stack = new Stack(app, "NonCompliant");
  const table = new Table(stack, "Table", {
    partitionKey: { name: "pk", type: AttributeType.STRING },
  });
  if (acknowledge) {
    Validations.of(table).acknowledge({
      id: "AwsSolutions-DDB3",
      reason: "test: the finding is acknowledged",
    });
  }
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
  return app;
}

afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

describe("cdk-nag AwsSolutions on the backorder app", () => {
  it("registers the AwsSolutions checks", () => {
    // Constructing the app is enough to see its plugins (no bundling, no synthesis).
    const { app } = buildApp({
      outdir: outdir(),
      context: { "aws:cdk:bundling-stacks": [], allowExampleEmail: "true" },
    });
    expect(app._validationPlugins.some((p) => p instanceof AwsSolutionsChecks)).toBe(true);
  });

  // The real app (functions bundled by the local esbuild, cdk-nag added by buildApp) was
  // synthesized once by `cdk synth`; its assembly is in cdk.out (global-setup.ts).
  it("was synthesized from the sources as they are", () => {
    expect(isFreshAssembly(ASSEMBLY_DIR)).toBe(true);
  });

  it("synthesizes without a validation failure", () => {
    expect(readAssemblyStamp(ASSEMBLY_DIR)?.validationFailed).toBe(false);
  });

  it("reports no unacknowledged finding", () => {
    const report = readReport(ASSEMBLY_DIR);
    expect(nagFindings(report)).toEqual([]);
    const failed = report.pluginReports.filter((r) => r.conclusion === "failure");
    expect(failed.map((r) => r.pluginName)).toEqual([]);
  });
});

describe("the stage for an account still in the SES sandbox", () => {
  it("synthesizes with no unacknowledged finding (its send-on-every-identity grant has its reason)", () => {
    const dir = outdir();
    const { app } = buildApp({
      outdir: dir,
      context: { "aws:cdk:bundling-stacks": [], allowExampleEmail: "true", sesSandbox: "on" },
      cfnValidation: false,
    });
    expect(() => app.synth()).not.toThrow();
    expect(nagFindings(readReport(dir))).toEqual([]);
  });
});

describe("the nag check itself", () => {
  it("fails synthesis on an unacknowledged finding and reports it", () => {
    const dir = outdir();
    const app = nonCompliantApp(dir, false);
    expect(() => app.synth()).toThrow(/AwsSolutions-DDB3/);
    const report = readReport(dir);
    expect(nagFindings(report)).toEqual(["AwsSolutions-DDB3 at NonCompliant/Table/Resource"]);
    expect(report.pluginReports.find((r) => r.pluginName === "AwsSolutions")?.conclusion).toBe(
      "failure",
    );
  });

  it("passes once that finding is acknowledged", () => {
    const dir = outdir();
    const app = nonCompliantApp(dir, true);
    expect(() => app.synth()).not.toThrow();
    expect(nagFindings(readReport(dir))).toEqual([]);
  });
});
