// biome-ignore-all lint/suspicious/noTemplateCurlyInString: CloudFormation Fn::Sub strings use ${...} on purpose.
import { describe, expect, it } from "vitest";
import { LOCAL_ACCOUNT, LOCAL_REGION } from "../../infra/local/identity.ts";
import { localModel, resolveIntrinsics } from "../../infra/local/template.ts";

const refs = { Table: "Table", Machine: "arn:aws:states:us-east-1:000000000000:stateMachine:M" };
const attrs = {
  "Table.Arn": "arn:aws:dynamodb:us-east-1:000000000000:table/Table",
  "Fn.Arn": "arn:aws:lambda:us-east-1:000000000000:function:Fn",
  "Api.ApiEndpoint": "http://127.0.0.1:3000",
};
const resolve = (value: unknown) => resolveIntrinsics(value, refs, attrs);

describe("resolveIntrinsics", () => {
  it("leaves plain values alone", () => {
    expect(resolve("text")).toBe("text");
    expect(resolve(42)).toBe(42);
    expect(resolve(true)).toBe(true);
    expect(resolve(null)).toBeNull();
    expect(resolve({ a: [1, "b", { c: null }] })).toEqual({ a: [1, "b", { c: null }] });
  });

  it("resolves Ref to a resource", () => {
    expect(resolve({ Ref: "Table" })).toBe("Table");
  });

  it("resolves pseudo parameters", () => {
    expect(resolve({ Ref: "AWS::Region" })).toBe(LOCAL_REGION);
    expect(resolve({ Ref: "AWS::AccountId" })).toBe(LOCAL_ACCOUNT);
    expect(resolve({ Ref: "AWS::Partition" })).toBe("aws");
    expect(resolve({ Ref: "AWS::URLSuffix" })).toBe("amazonaws.com");
  });

  it("throws on a Ref it cannot resolve", () => {
    expect(() => resolve({ Ref: "Nowhere" })).toThrow(/Nowhere/);
  });

  it("resolves Fn::GetAtt in array and dotted form", () => {
    expect(resolve({ "Fn::GetAtt": ["Table", "Arn"] })).toBe(attrs["Table.Arn"]);
    expect(resolve({ "Fn::GetAtt": "Fn.Arn" })).toBe(attrs["Fn.Arn"]);
    expect(() => resolve({ "Fn::GetAtt": ["Table", "StreamArn"] })).toThrow(/Table\.StreamArn/);
  });

  it("resolves Fn::Join with intrinsics inside", () => {
    expect(
      resolve({
        "Fn::Join": [
          "",
          [
            '{"Resource":"',
            { "Fn::GetAtt": ["Fn", "Arn"] },
            '","Region":"',
            { Ref: "AWS::Region" },
            '"}',
          ],
        ],
      }),
    ).toBe(`{"Resource":"${attrs["Fn.Arn"]}","Region":"${LOCAL_REGION}"}`);
    expect(resolve({ "Fn::Join": [":", ["a", { Ref: "Table" }, "c"]] })).toBe("a:Table:c");
  });

  it("resolves Fn::Sub without a variable map", () => {
    expect(
      resolve({
        "Fn::Sub": "arn:${AWS::Partition}:states:${AWS::Region}:${AWS::AccountId}:x/${Table}",
      }),
    ).toBe(`arn:aws:states:${LOCAL_REGION}:${LOCAL_ACCOUNT}:x/Table`);
    expect(resolve({ "Fn::Sub": "${Api.ApiEndpoint}/v1" })).toBe("http://127.0.0.1:3000/v1");
  });

  it("resolves Fn::Sub with a variable map, the map taking precedence", () => {
    expect(
      resolve({
        "Fn::Sub": [
          "${Base}/orders/${Table}?fn=${Fn}",
          { Base: { "Fn::GetAtt": ["Api", "ApiEndpoint"] }, Fn: "literal", Table: "overridden" },
        ],
      }),
    ).toBe("http://127.0.0.1:3000/orders/overridden?fn=literal");
    expect(() => resolve({ "Fn::Sub": ["${Missing}", {}] })).toThrow(/Missing/);
  });

  it("resolves intrinsics nested in objects and arrays", () => {
    expect(
      resolve({
        Variables: { TABLE: { Ref: "Table" }, ARNS: [{ "Fn::GetAtt": ["Table", "Arn"] }] },
      }),
    ).toEqual({ Variables: { TABLE: "Table", ARNS: [attrs["Table.Arn"]] } });
  });
});

describe("localModel: event rules", () => {
  const template = {
    Resources: {
      RestartFn: {
        Type: "AWS::Lambda::Function",
        Properties: {},
        Metadata: { "backorder:function": "restart-line" },
      },
      Machine: { Type: "AWS::StepFunctions::StateMachine", Properties: { DefinitionString: "{}" } },
      Dlq: { Type: "AWS::SQS::Queue", Properties: {} },
      OnStop: {
        Type: "AWS::Events::Rule",
        Properties: {
          EventPattern: {
            source: ["aws.states"],
            detail: { status: ["FAILED"], stateMachineArn: [{ Ref: "Machine" }] },
          },
          Targets: [
            {
              Arn: { "Fn::GetAtt": ["RestartFn", "Arn"] },
              Id: "Target0",
              RetryPolicy: { MaximumRetryAttempts: 20 },
              DeadLetterConfig: { Arn: { "Fn::GetAtt": ["Dlq", "Arn"] } },
            },
          ],
        },
      },
      Every5: {
        Type: "AWS::Events::Rule",
        Properties: {
          ScheduleExpression: "rate(5 minutes)",
          Targets: [{ Arn: { "Fn::GetAtt": ["RestartFn", "Arn"] }, Id: "Target0" }],
        },
      },
    },
  };

  it("reads rules on events with their pattern resolved and their function targets", () => {
    const model = localModel(template, { apiUrl: "http://127.0.0.1:3000" });
    expect(model.rules).toEqual([
      {
        logicalId: "OnStop",
        pattern: {
          source: ["aws.states"],
          detail: {
            status: ["FAILED"],
            stateMachineArn: [
              `arn:aws:states:${LOCAL_REGION}:${LOCAL_ACCOUNT}:stateMachine:Machine`,
            ],
          },
        },
        targets: [{ fn: "restart-line", retryAttempts: 20 }],
      },
    ]);
  });

  it("refuses a rule whose target the local stack cannot run", () => {
    const onStop = template.Resources.OnStop;
    const toQueue = {
      ...onStop,
      Properties: { ...onStop.Properties, Targets: [{ Arn: { "Fn::GetAtt": ["Dlq", "Arn"] } }] },
    };
    const broken = { Resources: { ...template.Resources, OnStop: toQueue } };
    expect(() => localModel(broken, { apiUrl: "http://127.0.0.1:3000" })).toThrow(
      /only function targets/,
    );
  });
});

describe("localModel: functions", () => {
  it("reads each function's handler, timeout and memory, Lambda's defaults where left out", () => {
    const template = {
      Resources: {
        ReceiptFn: {
          Type: "AWS::Lambda::Function",
          Properties: { Timeout: 60, MemorySize: 1024 },
          Metadata: { "backorder:function": "post-receipt" },
        },
        PlainFn: {
          Type: "AWS::Lambda::Function",
          Properties: {},
          Metadata: { "backorder:function": "get-sku" },
        },
        CdkHelperFn: { Type: "AWS::Lambda::Function", Properties: { Timeout: 900 } },
      },
    };
    const model = localModel(template, { apiUrl: "http://127.0.0.1:3000" });
    const arn = (id: string) => `arn:aws:lambda:${LOCAL_REGION}:${LOCAL_ACCOUNT}:function:${id}`;
    expect(model.functions).toEqual([
      {
        logicalId: "ReceiptFn",
        name: "post-receipt",
        arn: arn("ReceiptFn"),
        timeoutSeconds: 60,
        memoryMB: 1024,
      },
      {
        logicalId: "PlainFn",
        name: "get-sku",
        arn: arn("PlainFn"),
        timeoutSeconds: 3,
        memoryMB: 128,
      },
    ]);
  });
});
