import { beforeAll, describe, expect, it } from "vitest";
import { ASSEMBLY_DIR, readStackTemplate } from "../../infra/assembly.ts";
import { LocalIam, needsOf } from "../../infra/local/iam.ts";
import { LOCAL_ACCOUNT, LOCAL_REGION } from "../../infra/local/identity.ts";
import { type LocalModel, localModel } from "../../infra/local/template.ts";

/** The local stack's IAM over the template `cdk synth` wrote: each function's real role. */
let model: LocalModel;
let iam: LocalIam;
let table: string;
let lineMachine: string;
let bulkMachine: string;

beforeAll(() => {
  model = localModel(readStackTemplate(ASSEMBLY_DIR), { apiUrl: "http://127.0.0.1:3000" });
  iam = new LocalIam(model.permissions, model.secretArnsByEnv);
  table = Object.keys(model.tables)[0] ?? "";
  const arnOf = (prefix: string) =>
    model.stateMachines.find((m) => m.logicalId.startsWith(prefix))?.arn ?? "";
  lineMachine = arnOf("LineWorkflow");
  bulkMachine = arnOf("BulkWorkflow");
});

const call = (fn: string, service: string, operation: string, input: object) => () =>
  iam.check({ fn, service, operation, input });

describe("local IAM, read off the synthesized roles", () => {
  it("lets a reader get and query the table and its indexes, and nothing else there", () => {
    expect(call("get-order", "dynamodb", "GetItem", { TableName: table })).not.toThrow();
    expect(
      call("get-orders", "dynamodb", "Query", { TableName: table, IndexName: "gsi1" }),
    ).not.toThrow();
    expect(call("get-order", "dynamodb", "Scan", { TableName: table })).toThrow(
      /not authorized to perform: dynamodb:Scan/,
    );
    expect(call("get-order", "dynamodb", "UpdateItem", { TableName: table })).toThrow(
      /dynamodb:UpdateItem/,
    );
    expect(call("get-order", "dynamodb", "GetItem", { TableName: "SomeOtherTable" })).toThrow(
      /SomeOtherTable/,
    );
  });

  it("checks each item of a transaction as its own action", () => {
    const transaction = {
      TransactItems: [
        { ConditionCheck: { TableName: table } },
        { Put: { TableName: table } },
        { Update: { TableName: table } },
      ],
    };
    expect(call("post-order", "dynamodb", "TransactWriteItems", transaction)).not.toThrow();
    expect(call("get-sku", "dynamodb", "TransactWriteItems", transaction)).toThrow(
      /dynamodb:PutItem/,
    );
    expect(needsOf("dynamodb", "TransactWriteItems", transaction).map((n) => n.action)).toEqual([
      "dynamodb:ConditionCheckItem",
      "dynamodb:PutItem",
      "dynamodb:UpdateItem",
    ]);
  });

  it("lets a function start only the machines its access names: never another stage's", () => {
    const start = (fn: string, stateMachineArn: string) =>
      call(fn, "sfn", "StartExecution", { stateMachineArn });
    expect(start("advance-line", lineMachine)).not.toThrow();
    expect(start("advance-line", bulkMachine)).toThrow(/states:StartExecution/);
    expect(start("post-receipt", bulkMachine)).not.toThrow();
    expect(start("get-order", lineMachine)).toThrow(/AccessDenied|not authorized/);
    const otherStage = `arn:aws:states:${LOCAL_REGION}:${LOCAL_ACCOUNT}:stateMachine:${lineMachine.split(":").at(-1)}-prod`;
    expect(start("advance-line", otherStage)).toThrow(/not authorized/);
    expect(call("post-consent", "sfn", "SendTaskSuccess", { taskToken: "t" })).not.toThrow();
    expect(call("post-consent", "sfn", "SendTaskFailure", { taskToken: "t" })).toThrow(
      /states:SendTaskFailure/,
    );
  });

  it("lets a function read only the secrets its access names", () => {
    const read = (fn: string, env: string) => () => iam.checkSecret(fn, env);
    expect(read("post-consent", "BACKORDER_LINK_SIGNING_SECRET_ARN")).not.toThrow();
    expect(read("post-consent", "BACKORDER_STOREFRONT_KEY_SECRET_ARN")).toThrow(
      /secretsmanager:GetSecretValue/,
    );
    expect(read("post-consent", "BACKORDER_STRIPE_SECRET_KEY_ARN")).toThrow(/not authorized/);
    expect(read("post-asn", "BACKORDER_SUPPLIER_SECRETS_ARN")).not.toThrow();
    expect(read("get-order", "BACKORDER_SUPPLIER_SECRETS_ARN")).toThrow(/not authorized/);
    expect(read("advance-line", "BACKORDER_STRIPE_SECRET_KEY_ARN")).not.toThrow();
    expect(read("get-openapi", "BACKORDER_LINK_SIGNING_SECRET_ARN")).toThrow(/not authorized/);
  });

  it("denies as AWS does: AccessDeniedException, a client error naming the action and resource", () => {
    let thrown: unknown;
    try {
      iam.check({
        fn: "get-sku",
        service: "dynamodb",
        operation: "Scan",
        input: { TableName: table },
      });
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(Error);
    expect(thrown).toMatchObject({
      name: "AccessDeniedException",
      $fault: "client",
      $metadata: { httpStatusCode: 400 },
    });
    expect((thrown as Error).message).toContain(`on resource: arn:aws:dynamodb:${LOCAL_REGION}`);
  });

  it("leaves the local stack's own calls (outside any invocation) alone", () => {
    expect(() =>
      iam.check({
        fn: undefined,
        service: "dynamodb",
        operation: "Scan",
        input: { TableName: table },
      }),
    ).not.toThrow();
  });
});
