import { copyFileSync, existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import { ASSEMBLY_DIR, readStackTemplate } from "../../infra/assembly.ts";
import { FUNCTION_METADATA_KEY } from "../../infra/constructs/function-metadata.ts";
import type { FunctionName } from "../../shared/http/routes.ts";
import { useDynamoDbLocal } from "../support/dynamodb-local.ts";

/**
 * The bundles `cdk synth` made run on their own: each is copied where no node_modules can
 * be found and its handler called, so the AWS SDK it carries (not the runtime's) and the
 * environment's credentials (shared/adapters/env-credentials.ts) are what answer.
 */
const TABLE = "bundle-test-table";
useDynamoDbLocal(TABLE);

const scratch = mkdtempSync(join(tmpdir(), "backorder-bundle-"));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

type Handler = (event: unknown, context: unknown) => Promise<{ statusCode: number; body: string }>;

let copies = 0;

/** A fresh copy of a function's bundle, imported: a module of its own, nothing cached. */
async function bundleOf(name: FunctionName): Promise<Handler> {
  const { Resources: resources } = readStackTemplate<{
    Resources: Record<string, { Type: string; Metadata?: Record<string, unknown> }>;
  }>(ASSEMBLY_DIR);
  const fn = Object.values(resources).find(
    (r) => r.Type === "AWS::Lambda::Function" && r.Metadata?.[FUNCTION_METADATA_KEY] === name,
  );
  const asset = fn?.Metadata?.["aws:asset:path"];
  if (typeof asset !== "string") throw new Error(`no bundle for ${name}`);
  const file = join(scratch, `${name}-${++copies}.mjs`);
  copyFileSync(join(ASSEMBLY_DIR, asset, "index.mjs"), file);
  // A dev stage's bundle names its source map beside it.
  const map = join(ASSEMBLY_DIR, asset, "index.mjs.map");
  if (existsSync(map)) copyFileSync(map, join(scratch, "index.mjs.map"));
  return ((await import(pathToFileURL(file).href)) as { handler: Handler }).handler;
}

const getRequest = (path: string) => ({
  version: "2.0",
  routeKey: `GET ${path}`,
  rawPath: path,
  rawQueryString: "",
  headers: {},
  isBase64Encoded: false,
  requestContext: {
    accountId: "000000000000",
    apiId: "local",
    domainName: "localhost",
    domainPrefix: "localhost",
    http: { method: "GET", path, protocol: "HTTP/1.1", sourceIp: "127.0.0.1", userAgent: "t" },
    requestId: "req-bundle-test",
    routeKey: `GET ${path}`,
    stage: "$default",
    time: "01/Mar/2026:00:00:00 +0000",
    timeEpoch: 1_772_323_200_000,
  },
});

const context = { functionName: "bundle-test", awsRequestId: "req-bundle-test" };

describe("the synthesized bundles", () => {
  it("reach DynamoDB with the SDK they carry and the environment's credentials", async () => {
    process.env.BACKORDER_TABLE_NAME = TABLE;
    const handler = await bundleOf("get-health");
    const res = await handler(getRequest("/health"), context);
    expect(res.statusCode, res.body).toBe(200);
    expect(JSON.parse(res.body)).toEqual({ status: "ok" });

    // No credentials in the environment: the bundle looks nowhere else (no profile files,
    // SSO or instance metadata), so the table cannot be read.
    const keyId = process.env.AWS_ACCESS_KEY_ID;
    delete process.env.AWS_ACCESS_KEY_ID;
    try {
      const fresh = await bundleOf("get-health");
      expect((await fresh(getRequest("/health"), context)).statusCode).not.toBe(200);
    } finally {
      process.env.AWS_ACCESS_KEY_ID = keyId;
    }
  });

  it("a function with no table access answers without any AWS SDK in its bundle", async () => {
    const handler = await bundleOf("get-openapi");
    const res = await handler(getRequest("/openapi.json"), context);
    expect(res.statusCode).toBe(200);
    expect(JSON.parse(res.body).openapi).toMatch(/^3\.1/);
  });
});
