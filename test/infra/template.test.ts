import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { Template } from "aws-cdk-lib/assertions";
import { beforeAll, describe, expect, it } from "vitest";
import { ASSEMBLY_DIR, defaultAppContext, readStackTemplate } from "../../infra/assembly.ts";
import { FUNCTION_METADATA_KEY } from "../../infra/constructs/function-metadata.ts";
import { BUNDLED_ONLY_FOR } from "../../infra/constructs/functions.ts";
import {
  type Access,
  eventFunctions,
  FUNCTIONS,
  type FunctionName,
  ROUTE_THROTTLES,
  ROUTES,
  type Role,
  routeKeyOf,
  scheduledFunctions,
} from "../../shared/http/routes.ts";
import {
  EXECUTION_STATUS_CHANGE,
  STOPPED_STATUSES,
} from "../../shared/workflow/execution-events.ts";

type Json = Record<string, unknown>;
interface Resource {
  Type: string;
  Properties?: Json;
  Metadata?: Json;
  DeletionPolicy?: string;
  UpdateReplacePolicy?: string;
  DependsOn?: string[];
}
interface Statement {
  Effect: string;
  Action: string | string[];
  Resource: unknown;
}

let template: Template;
let resources: Record<string, Resource>;
const assemblyDir = ASSEMBLY_DIR;

beforeAll(() => {
  // The template `cdk synth` wrote (global-setup.ts): the functions were bundled there, so
  // the function code is the real asset; cdk-nag's verdict is checked in nag.test.ts.
  template = Template.fromJSON(readStackTemplate(assemblyDir));
  resources = template.toJSON().Resources as Record<string, Resource>;
});

function ofType(type: string): [string, Resource][] {
  return Object.entries(resources).filter(([, r]) => r.Type === type);
}

/** The event rule whose target is the function of this logical id. */
function ruleTargeting(fnId: string): [string, Resource] {
  const found = ofType("AWS::Events::Rule").find(([, r]) =>
    ((r.Properties?.Targets as Json[] | undefined) ?? []).some((t) =>
      JSON.stringify(t.Arn).includes(`"${fnId}"`),
    ),
  );
  if (!found) throw new Error(`no rule targets ${fnId}`);
  return found;
}

/** A state machine by the construct it belongs to ("LineWorkflow", "BulkWorkflow"). */
function machine(construct: string): [string, Resource] {
  const found = ofType("AWS::StepFunctions::StateMachine").filter(([id]) =>
    id.startsWith(construct),
  );
  expect(found, construct).toHaveLength(1);
  return found[0] as [string, Resource];
}

/** What a function's role says about StartExecution: the state machines it names. */
function startTargetsOf(name: FunctionName): string {
  const fn = functionsByName().get(name);
  const roleArn = fn?.resource.Properties?.Role as { "Fn::GetAtt": [string, string] } | undefined;
  const role = roleArn?.["Fn::GetAtt"][0];
  return JSON.stringify(
    statements()
      .filter(
        (s) =>
          role !== undefined &&
          s.roles.includes(role) &&
          asArray(s.statement.Action).includes("states:StartExecution"),
      )
      .map((s) => s.statement.Resource),
  );
}

function only(type: string): [string, Resource] {
  const all = ofType(type);
  expect(all, type).toHaveLength(1);
  return all[0] as [string, Resource];
}

const asArray = <T>(value: T | T[]): T[] => (Array.isArray(value) ? value : [value]);

/** Lambda functions by the name the metadata gives them. */
function functionsByName(): Map<FunctionName, { id: string; resource: Resource }> {
  const out = new Map<FunctionName, { id: string; resource: Resource }>();
  for (const [id, resource] of ofType("AWS::Lambda::Function")) {
    out.set(resource.Metadata?.[FUNCTION_METADATA_KEY] as FunctionName, { id, resource });
  }
  return out;
}

/** Every statement of every identity policy in the template, with the roles it applies to. */
function statements(): { roles: string[]; statement: Statement }[] {
  const out: { roles: string[]; statement: Statement }[] = [];
  for (const [, policy] of ofType("AWS::IAM::Policy")) {
    const roles = ((policy.Properties?.Roles as { Ref: string }[] | undefined) ?? []).map(
      (r) => r.Ref,
    );
    const doc = policy.Properties?.PolicyDocument as { Statement: Statement[] };
    for (const statement of doc.Statement) out.push({ roles, statement });
  }
  for (const [id, role] of ofType("AWS::IAM::Role")) {
    const inline =
      (role.Properties?.Policies as { PolicyDocument: { Statement: Statement[] } }[]) ?? [];
    for (const p of inline)
      for (const statement of p.PolicyDocument.Statement) out.push({ roles: [id], statement });
  }
  for (const [, managed] of ofType("AWS::IAM::ManagedPolicy")) {
    const roles = ((managed.Properties?.Roles as { Ref: string }[] | undefined) ?? []).map(
      (r) => r.Ref,
    );
    const doc = managed.Properties?.PolicyDocument as { Statement: Statement[] };
    for (const statement of doc.Statement) out.push({ roles, statement });
  }
  return out;
}

/** The actions a function's role is allowed. */
function actionsOf(name: FunctionName): string[] {
  const fn = functionsByName().get(name);
  const roleArn = fn?.resource.Properties?.Role as { "Fn::GetAtt": [string, string] } | undefined;
  const role = roleArn?.["Fn::GetAtt"][0];
  expect(role, `role of ${name}`).toBeDefined();
  return statements()
    .filter((s) => role !== undefined && s.roles.includes(role) && s.statement.Effect === "Allow")
    .flatMap((s) => asArray(s.statement.Action));
}

describe("data table", () => {
  it("is one table with point-in-time recovery, retained on delete and replace", () => {
    const [id, table] = only("AWS::DynamoDB::Table");
    expect(table.DeletionPolicy).toBe("Retain");
    expect(table.UpdateReplacePolicy).toBe("Retain");
    template.hasResourceProperties("AWS::DynamoDB::Table", {
      PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
      BillingMode: "PAY_PER_REQUEST",
    });
    expect(id).toMatch(/^Data/);
  });

  it("is keyed by pk/sk with the gsi1 lists, gsi2 wake-outbox, gsi3 live-lines and gsi4 waiting-queue indexes", () => {
    template.hasResourceProperties("AWS::DynamoDB::Table", {
      KeySchema: [
        { AttributeName: "pk", KeyType: "HASH" },
        { AttributeName: "sk", KeyType: "RANGE" },
      ],
      GlobalSecondaryIndexes: [
        {
          IndexName: "gsi1",
          KeySchema: [
            { AttributeName: "gsi1pk", KeyType: "HASH" },
            { AttributeName: "gsi1sk", KeyType: "RANGE" },
          ],
          Projection: { ProjectionType: "ALL" },
        },
        {
          IndexName: "gsi2",
          KeySchema: [
            { AttributeName: "gsi2pk", KeyType: "HASH" },
            { AttributeName: "gsi2sk", KeyType: "RANGE" },
          ],
          Projection: {
            ProjectionType: "INCLUDE",
            NonKeyAttributes: ["orderId", "lineId", "wakeDue", "wakeAttempts"],
          },
        },
        {
          IndexName: "gsi3",
          KeySchema: [
            { AttributeName: "gsi3pk", KeyType: "HASH" },
            { AttributeName: "gsi3sk", KeyType: "RANGE" },
          ],
          // Only what the backstop reads: other writes of a line do not write this index.
          Projection: {
            ProjectionType: "INCLUDE",
            NonKeyAttributes: ["orderId", "lineId", "executionName", "createdAt"],
          },
        },
        {
          IndexName: "gsi4",
          KeySchema: [
            { AttributeName: "gsi4pk", KeyType: "HASH" },
            { AttributeName: "gsi4sk", KeyType: "RANGE" },
          ],
          // The queue's order, units and ages: not the task token, history or dates a
          // waiting line is written with again and again.
          Projection: {
            ProjectionType: "INCLUDE",
            NonKeyAttributes: ["orderId", "lineId", "qty", "createdAt"],
          },
        },
      ],
    });
  });

  it("is named after its stage (dev by default), and kept when the stack is deleted", () => {
    const [, table] = only("AWS::DynamoDB::Table");
    expect(table.Properties?.TableName).toBe("backorder-dev");
    expect(table.DeletionPolicy).toBe("Retain");
  });
});

describe("functions", () => {
  it("has exactly one Lambda per entry of FUNCTIONS, named in its metadata", () => {
    const lambdas = ofType("AWS::Lambda::Function");
    const names = lambdas.map(([, r]) => r.Metadata?.[FUNCTION_METADATA_KEY]);
    expect(names.sort()).toEqual(Object.keys(FUNCTIONS).sort());
  });

  /** Each function's bundle, as text. */
  const bundles = () =>
    ofType("AWS::Lambda::Function").flatMap(([, fn]) => {
      const name = fn.Metadata?.[FUNCTION_METADATA_KEY] as FunctionName | undefined;
      const asset = fn.Metadata?.["aws:asset:path"];
      if (!name || typeof asset !== "string") return [];
      return [{ name, text: readFileSync(join(assemblyDir, asset, "index.mjs"), "utf8") }];
    });

  it("bundles Stripe, jose, standardwebhooks and each AWS SDK client only into the functions whose access can use them", () => {
    // A string only each package's own code holds.
    const signatures: Record<string, string> = {
      stripe: "api.stripe.com",
      jose: "ERR_JOSE_NOT_SUPPORTED",
      standardwebhooks: "No matching signature found",
      "@aws-sdk/client-dynamodb": "com.amazonaws.dynamodb",
      "@aws-sdk/lib-dynamodb": "the dependency closure to instantiate DynamoDBDocumentClient",
      "@aws-sdk/client-sfn": "com.amazonaws.sfn",
      "@aws-sdk/client-sesv2": "com.amazonaws.sesv2",
      "@aws-sdk/client-secrets-manager": "com.amazonaws.secretsmanager",
    };
    const all = bundles();
    expect(all).toHaveLength(Object.keys(FUNCTIONS).length);
    for (const [pkg, needs] of Object.entries(BUNDLED_ONLY_FOR)) {
      const signature = signatures[pkg];
      if (!signature) throw new Error(`no signature string for ${pkg}`);
      const holding = all.filter((b) => b.text.includes(signature)).map((b) => b.name);
      const entitled = (Object.keys(FUNCTIONS) as FunctionName[]).filter((name) =>
        needs.some((a) => (FUNCTIONS[name].access as readonly Access[]).includes(a)),
      );
      expect(entitled.length, pkg).toBeGreaterThan(0);
      expect(holding.sort(), pkg).toEqual(entitled.sort());
    }
  });

  it("carries the AWS SDK's code itself, with no credential source but the environment", () => {
    for (const { name, text } of bundles()) {
      // The runtime's SDK is never asked for: the version package-lock.json pins is bundled.
      expect(text, name).not.toMatch(/from\s*["']@aws-sdk\//);
      // The default chain's other sources (container endpoint, SSO) are not there.
      expect(text, name).not.toContain("AWS_CONTAINER_CREDENTIALS_FULL_URI");
      expect(text, name).not.toContain("sso_start_url");
    }
  });

  it("runs every Lambda on Node.js 22 on arm64 with tracing and no physical name", () => {
    for (const [id, fn] of ofType("AWS::Lambda::Function")) {
      expect(fn.Properties?.Runtime, id).toBe("nodejs22.x");
      expect(fn.Properties?.Architectures, id).toEqual(["arm64"]);
      expect(fn.Properties?.TracingConfig, id).toEqual({ Mode: "Active" });
      expect(fn.Properties, id).not.toHaveProperty("FunctionName");
    }
  });

  it("gives each function its configured timeout (10 s by default)", () => {
    for (const [name, { resource }] of functionsByName()) {
      const spec = FUNCTIONS[name];
      const expected = "timeoutSeconds" in spec ? spec.timeoutSeconds : 10;
      expect(resource.Properties?.Timeout, name).toBe(expected);
    }
  });

  it("ships each function as a bundled ESM asset", () => {
    for (const [name, { resource }] of functionsByName()) {
      const code = resource.Properties?.Code as { S3Key: string };
      const hash = code.S3Key.replace(/\.zip$/, "");
      expect(existsSync(join(assemblyDir, `asset.${hash}`, "index.mjs")), name).toBe(true);
      expect(resource.Properties?.Handler, name).toBe("index.handler");
    }
  });

  it("tells every function the table's name", () => {
    const [tableId] = only("AWS::DynamoDB::Table");
    for (const [name, { resource }] of functionsByName()) {
      const env = resource.Properties?.Environment as { Variables: Json } | undefined;
      expect(env?.Variables.BACKORDER_TABLE_NAME, name).toEqual({ Ref: tableId });
    }
  });

  it("turns Powertools' event logging off in every function (events carry customers' addresses)", () => {
    for (const [name, { resource }] of functionsByName()) {
      const env = resource.Properties?.Environment as { Variables: Json } | undefined;
      expect(env?.Variables.POWERTOOLS_LOGGER_LOG_EVENT, name).toBe("false");
    }
  });

  it("tells every function the shop's name and remedies from cdk.json's context", () => {
    const context = defaultAppContext();
    expect(context.shopName).toBeTruthy();
    for (const [name, { resource }] of functionsByName()) {
      const env = resource.Properties?.Environment as { Variables: Json } | undefined;
      expect(env?.Variables.BACKORDER_SHOP_NAME, name).toBe(context.shopName);
      expect(env?.Variables.BACKORDER_REMEDY_SHIPPING_DISCOUNT_PERCENT, name).toBe(
        context.remedyShippingDiscountPercent,
      );
    }
  });
});

describe("HTTP API", () => {
  it("has exactly one route per entry of ROUTES", () => {
    const routeKeys = ofType("AWS::ApiGatewayV2::Route").map(([, r]) => r.Properties?.RouteKey);
    expect(routeKeys.sort()).toEqual(ROUTES.map((r) => `${r.method} ${r.path}`).sort());
  });

  it("sends each route to its function", () => {
    const byId = functionsByName();
    for (const [, route] of ofType("AWS::ApiGatewayV2::Route")) {
      const key = route.Properties?.RouteKey as string;
      const expected = ROUTES.find((r) => `${r.method} ${r.path}` === key)?.fn as FunctionName;
      const target = JSON.stringify(route.Properties?.Target);
      const integrationId = /"Ref":"([^"]+)"/.exec(target)?.[1] as string;
      const integration = resources[integrationId];
      expect(integration?.Type, key).toBe("AWS::ApiGatewayV2::Integration");
      const uri = JSON.stringify(integration?.Properties?.IntegrationUri);
      expect(uri, key).toContain(`"${byId.get(expected)?.id}"`);
    }
  });

  it("logs access on the default stage and throttles each route at its caller's rate", () => {
    const [[stageId, stage] = []] = ofType("AWS::ApiGatewayV2::Stage");
    const props = stage?.Properties ?? {};
    expect(props.StageName).toBe("$default");
    expect(props.AccessLogSettings).toMatchObject({ DestinationArn: {} });
    const throttle = (role: Role) => ({
      ThrottlingRateLimit: ROUTE_THROTTLES[role].perSecond,
      ThrottlingBurstLimit: ROUTE_THROTTLES[role].burst,
    });
    expect(props.DefaultRouteSettings).toEqual(throttle("public"));
    const settings = props.RouteSettings as Record<string, unknown>;
    expect(Object.keys(settings).sort()).toEqual(ROUTES.map(routeKeyOf).sort());
    for (const route of ROUTES) {
      expect(settings[routeKeyOf(route)], routeKeyOf(route)).toEqual(throttle(route.auth));
    }
    // The storefront's routes take the most: no other caller's rate comes near theirs.
    const others = (["warehouse", "supplier", "customer", "public"] as const).map(
      (role) => ROUTE_THROTTLES[role].perSecond,
    );
    expect(ROUTE_THROTTLES.storefront.perSecond).toBeGreaterThan(Math.max(...others));
    // The routes the settings name exist before the stage is made.
    const routeIds = ofType("AWS::ApiGatewayV2::Route").map(([id]) => id);
    expect(resources[stageId as string]?.DependsOn).toEqual(expect.arrayContaining(routeIds));
  });
});

describe("state machines", () => {
  it("are the line machine and the bulk machine, Standard workflows with full logging and tracing", () => {
    expect(ofType("AWS::StepFunctions::StateMachine")).toHaveLength(2);
    for (const construct of ["LineWorkflow", "BulkWorkflow"]) {
      const [, sm] = machine(construct);
      expect(sm.Properties?.StateMachineType).toBe("STANDARD");
      expect(sm.Properties?.TracingConfiguration).toEqual({ Enabled: true });
      const logging = sm.Properties?.LoggingConfiguration as {
        Level: string;
        IncludeExecutionData: boolean;
        Destinations: unknown[];
      };
      expect(logging.Level).toBe("ALL");
      expect(logging.IncludeExecutionData).toBe(true);
      expect(logging.Destinations).toHaveLength(1);
      expect(sm.Properties).not.toHaveProperty("StateMachineName");
    }
  });
});

describe("IAM", () => {
  it("grants no wildcard service actions", () => {
    for (const { statement } of statements()) {
      for (const action of asArray(statement.Action)) {
        expect(action).not.toBe("*");
        expect(action).not.toMatch(/^(dynamodb|states|ses|secretsmanager|lambda):\*$/);
      }
    }
  });

  it("allows '*' resources only for X-Ray and CloudWatch Logs delivery", () => {
    // The stack acknowledges AwsSolutions-IAM5[Resource::*] for exactly these actions, so
    // this test is what keeps that acknowledgement honest.
    for (const { statement } of statements()) {
      if (!asArray(statement.Resource).includes("*")) continue;
      for (const action of asArray(statement.Action)) expect(action).toMatch(/^(xray|logs):/);
    }
  });

  it("grants dynamodb and states actions only on named resources", () => {
    for (const { statement } of statements()) {
      const actions = asArray(statement.Action);
      if (!actions.some((a) => /^(dynamodb|states):/.test(a))) continue;
      expect(asArray(statement.Resource)).not.toContain("*");
    }
  });

  it("grants only the calls the code makes: no Scan, no batch writes, no failing or heartbeating a task", () => {
    const granted = new Set(statements().flatMap(({ statement }) => asArray(statement.Action)));
    for (const unused of [
      "dynamodb:Scan",
      "dynamodb:BatchWriteItem",
      "dynamodb:GetRecords",
      "dynamodb:GetShardIterator",
      "states:SendTaskFailure",
      "states:SendTaskHeartbeat",
    ]) {
      expect(granted.has(unused), unused).toBe(false);
    }
  });

  it("starts and wakes executions of this stack's line machine by its ARN, never by a pattern another stage's machine could match", () => {
    const [lineId] = machine("LineWorkflow");
    const [bulkId] = machine("BulkWorkflow");
    const onMachines = statements().filter(({ statement }) =>
      asArray(statement.Action).some((a) =>
        ["states:StartExecution", "states:SendTaskSuccess"].includes(a),
      ),
    );
    expect(onMachines.length).toBeGreaterThan(0);
    for (const { statement } of onMachines) {
      for (const resource of asArray(statement.Resource)) {
        expect([{ Ref: lineId }, { Ref: bulkId }]).toContainEqual(resource);
      }
    }
    // The line machine's own task (advance-line) included: its grant is a policy of its own.
    expect(startTargetsOf("advance-line")).toBe(JSON.stringify([{ Ref: lineId }]));
  });

  it("grants each function what its access list says and nothing more", () => {
    const has = (name: FunctionName, access: Access) =>
      (FUNCTIONS[name].access as readonly Access[]).includes(access);
    const writes = ["dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:DeleteItem"];
    for (const name of Object.keys(FUNCTIONS) as FunctionName[]) {
      const actions = actionsOf(name);
      expect(actions.includes("ses:SendEmail"), `${name} ses:SendEmail`).toBe(
        has(name, "email:send"),
      );
      expect(actions.includes("dynamodb:GetItem"), `${name} read`).toBe(has(name, "table:read"));
      expect(
        writes.some((w) => actions.includes(w)),
        `${name} write`,
      ).toBe(has(name, "table:write"));
      expect(actions.includes("secretsmanager:GetSecretValue"), `${name} secrets`).toBe(
        has(name, "api-keys:read") ||
          has(name, "email:send") ||
          has(name, "links:read") ||
          has(name, "payments:read") ||
          has(name, "payments:charge") ||
          has(name, "suppliers:read"),
      );
      expect(actions.includes("states:StartExecution"), `${name} start`).toBe(
        has(name, "workflow:start") || has(name, "bulk:start"),
      );
      // Each machine only for the functions whose access names it.
      const [lineId] = machine("LineWorkflow");
      const [bulkId] = machine("BulkWorkflow");
      const targets = startTargetsOf(name);
      expect(targets.includes(lineId), `${name} starts line executions`).toBe(
        has(name, "workflow:start"),
      );
      expect(targets.includes(bulkId), `${name} starts bulk jobs`).toBe(has(name, "bulk:start"));
      expect(actions.includes("states:SendTaskSuccess"), `${name} signal`).toBe(
        has(name, "workflow:signal"),
      );
      expect(actions.includes("states:GetExecutionHistory"), `${name} history`).toBe(
        has(name, "workflow:history"),
      );
    }
  });

  it("scopes ses:SendEmail to the sending identity and configuration set", () => {
    const ses = statements().filter(({ statement }) =>
      asArray(statement.Action).includes("ses:SendEmail"),
    );
    expect(ses.length).toBeGreaterThan(0);
    for (const { statement } of ses) {
      const targets = JSON.stringify(statement.Resource);
      expect(targets).toContain(":identity/");
      expect(targets).toContain(":configuration-set/");
      expect(asArray(statement.Resource)).not.toContain("*");
    }
  });
});

describe("schedules", () => {
  it("runs each scheduled function from an EventBridge rule at its period", () => {
    const byName = functionsByName();
    const rules = ofType("AWS::Events::Rule").filter(([, r]) => r.Properties?.ScheduleExpression);
    const scheduled = scheduledFunctions();
    expect(scheduled.map((s) => s.name)).toContain("reconcile-orders");
    expect(rules).toHaveLength(scheduled.length);
    for (const { name, everyMinutes } of scheduled) {
      const id = byName.get(name)?.id;
      const rule = rules.find(([, r]) => JSON.stringify(r.Properties?.Targets).includes(`"${id}"`));
      expect(rule, name).toBeDefined();
      expect(rule?.[1].Properties?.ScheduleExpression).toBe(
        `rate(${everyMinutes} ${everyMinutes === 1 ? "minute" : "minutes"})`,
      );
      // EventBridge may invoke it.
      const permissions = ofType("AWS::Lambda::Permission").filter(
        ([, p]) =>
          JSON.stringify(p.Properties?.FunctionName).includes(`"${id}"`) &&
          p.Properties?.Principal === "events.amazonaws.com",
      );
      expect(permissions.length, name).toBeGreaterThan(0);
    }
  });
});

describe("event triggers", () => {
  const refOf = (value: unknown) =>
    (value as { "Fn::GetAtt"?: [string, string] } | undefined)?.["Fn::GetAtt"]?.[0];

  it("restarts a line on its execution's stop: one rule per event-triggered function", () => {
    const byName = functionsByName();
    const [machineId] = machine("LineWorkflow");
    const patterned = ofType("AWS::Events::Rule").filter(([, r]) => r.Properties?.EventPattern);
    const triggered = eventFunctions();
    expect(triggered).toEqual([
      { name: "restart-line", onEvent: "line-execution-stopped" },
      { name: "record-email-feedback", onEvent: "email-feedback" },
    ]);
    expect(patterned).toHaveLength(triggered.length);

    const fnId = byName.get("restart-line")?.id as string;
    const [ruleId, rule] = ruleTargeting(fnId);
    expect(rule.Properties?.EventPattern).toEqual({
      source: ["aws.states"],
      "detail-type": [EXECUTION_STATUS_CHANGE],
      detail: { status: [...STOPPED_STATUSES], stateMachineArn: [{ Ref: machineId }] },
    });
    const targets = rule.Properties?.Targets as Json[];
    expect(targets).toHaveLength(1);
    const target = targets[0] as Json;
    expect(refOf(target.Arn)).toBe(fnId);
    expect(target.RetryPolicy).toEqual({
      MaximumRetryAttempts: expect.any(Number),
      MaximumEventAgeInSeconds: 86_400,
    });
    expect((target.RetryPolicy as Json).MaximumRetryAttempts).toBeGreaterThan(0);

    // EventBridge may invoke it.
    const permissions = ofType("AWS::Lambda::Permission").filter(
      ([, p]) =>
        JSON.stringify(p.Properties?.FunctionName).includes(`"${fnId}"`) &&
        p.Properties?.Principal === "events.amazonaws.com" &&
        refOf(p.Properties?.SourceArn) === ruleId,
    );
    expect(permissions).toHaveLength(1);
  });

  it("dead-letters what neither EventBridge nor Lambda could deliver, to an encrypted TLS-only queue", () => {
    const fnId = functionsByName().get("restart-line")?.id as string;
    const [, rule] = ruleTargeting(fnId);
    const { Targets } = rule.Properties as { Targets: Json[] };
    const target = Targets[0] as Json;
    const queueId = refOf((target.DeadLetterConfig as Json | undefined)?.Arn) as string;
    const queue = resources[queueId];
    expect(queue?.Type).toBe("AWS::SQS::Queue");
    expect(queue?.Properties?.SqsManagedSseEnabled).toBe(true);

    const [, policy] = ofType("AWS::SQS::QueuePolicy").find(([, p]) =>
      JSON.stringify(p.Properties?.Queues).includes(`"${queueId}"`),
    ) as [string, Resource];
    const { PolicyDocument } = policy.Properties as { PolicyDocument: { Statement: Json[] } };
    const statements = PolicyDocument.Statement;
    expect(statements).toContainEqual(
      expect.objectContaining({
        Effect: "Deny",
        Condition: { Bool: { "aws:SecureTransport": "false" } },
      }),
    );
    expect(statements).toContainEqual(
      expect.objectContaining({
        Effect: "Allow",
        Action: "sqs:SendMessage",
        Principal: { Service: "events.amazonaws.com" },
      }),
    );

    // A handler that keeps failing: Lambda's own retries, then the same queue.
    const [, invokeConfig] = ofType("AWS::Lambda::EventInvokeConfig").find(([, c]) =>
      JSON.stringify(c.Properties?.FunctionName).includes(`"${fnId}"`),
    ) as [string, Resource];
    expect(invokeConfig.Properties?.MaximumRetryAttempts).toBe(2);
    const { DestinationConfig } = invokeConfig.Properties as {
      DestinationConfig: { OnFailure: Json };
    };
    const onFailure = DestinationConfig.OnFailure;
    expect(refOf(onFailure.Destination)).toBe(queueId);
    expect(actionsOf("restart-line")).toContain("sqs:SendMessage");
  });
});
