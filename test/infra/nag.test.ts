import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { App, Stack, Validations } from "aws-cdk-lib";
import { AttributeType, Table } from "aws-cdk-lib/aws-dynamodb";
import { AwsSolutionsChecks } from "cdk-nag";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildApp } from "../../infra/app.ts";

/**
 * cdk-nag 3 runs as a CDK policy-validation plugin. aws-cdk-lib writes every plugin's
 * findings to `validation-report.json` in the cloud assembly, and in in-memory app mode
 * (forced here through the `@aws-cdk/core:appMode` context rather than left to NODE_ENV)
 * `app.synth()` throws a `ValidationFailed` error that contains the report when any
 * plugin fails. So: synth must not throw, and the report must hold no AwsSolutions finding.
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
  const app = new App({ outdir: dir, context: IN_MEMORY });
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
  const dir = outdir();
  let synthError: unknown;
  let app: App;

  beforeAll(() => {
    // The real app: functions bundled by the local esbuild, cdk-nag added by buildApp.
    app = buildApp({ outdir: dir, context: IN_MEMORY }).app;
    try {
      app.synth();
    } catch (error) {
      synthError = error;
    }
  });

  it("registers the AwsSolutions checks", () => {
    expect(app._validationPlugins.some((p) => p instanceof AwsSolutionsChecks)).toBe(true);
  });

  it("synthesizes without a validation failure", () => {
    expect(synthError === undefined ? "" : String(synthError)).toBe("");
  });

  it("reports no unacknowledged finding", () => {
    const report = readReport(dir);
    expect(nagFindings(report)).toEqual([]);
    const failed = report.pluginReports.filter((r) => r.conclusion === "failure");
    expect(failed.map((r) => r.pluginName)).toEqual([]);
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
