import { createHash } from "node:crypto";
import {
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { FunctionName } from "../../shared/http/routes.ts";
import { FUNCTION_METADATA_KEY } from "../constructs/function-metadata.ts";
import { repoRoot } from "../paths.ts";
import { sourceHash } from "../source-hash.ts";
import type { CfnTemplate } from "./cfn.ts";
import type { LocalRule } from "./events.ts";
import type { Permission } from "./iam.ts";
import { LOCAL_ACCOUNT, LOCAL_REGION } from "./identity.ts";

/**
 * Synthesizes the CDK app in-process and returns its template: no bundling (the local
 * stack runs the handlers from source), no cdk-nag and no built-in CloudFormation
 * validation (`cdk synth` does those). aws-cdk-lib is loaded only here, on demand.
 */
export async function synthTemplate(): Promise<CfnTemplate> {
  const { buildApp } = await import("../app.ts");
  const { defaultAppContext } = await import("../assembly.ts");
  const outdir = await mkdtemp(join(tmpdir(), "backorder-synth-"));
  try {
    const { app, stack } = buildApp({
      outdir,
      nag: false,
      cfnValidation: false,
      // cdk.json's context, as `cdk synth` gives it (the shop's name, remedies, …).
      context: {
        ...defaultAppContext(),
        "aws:cdk:bundling-stacks": [],
        // Locally the example sender goes to the local SES.
        allowExampleEmail: "true",
      },
    });
    return app.synth().getStackByName(stack.stackName).template as CfnTemplate;
  } finally {
    await rm(outdir, { recursive: true, force: true });
  }
}

/** Where synthesized templates are kept, one per source hash. */
export const TEMPLATE_CACHE_DIR = join(repoRoot, ".cache", "templates");

/** What the template is made from: the sources, and the environment the app reads. */
function templateKey(): string {
  const env = ["CDK_DEFAULT_ACCOUNT", "CDK_DEFAULT_REGION", "CDK_CONTEXT_JSON"].map(
    (name) => process.env[name] ?? "",
  );
  return createHash("sha256")
    .update(JSON.stringify([sourceHash(), ...env]))
    .digest("hex");
}

/**
 * The synthesized template, from the cache when the sources it is made from (see
 * infra/source-hash.ts) and the environment the app reads have not changed since it was
 * written; else synthesized and cached.
 * `BACKORDER_TEMPLATE_CACHE=off` always synthesizes.
 */
export async function localTemplate(
  cacheDir: string = TEMPLATE_CACHE_DIR,
): Promise<{ template: CfnTemplate; cached: boolean }> {
  if (process.env.BACKORDER_TEMPLATE_CACHE === "off") {
    return { template: await synthTemplate(), cached: false };
  }
  const file = join(cacheDir, `${templateKey()}.json`);
  if (existsSync(file)) {
    try {
      return { template: JSON.parse(readFileSync(file, "utf8")) as CfnTemplate, cached: true };
    } catch {
      // A damaged entry is synthesized again.
    }
  }
  const template = await synthTemplate();
  mkdirSync(cacheDir, { recursive: true });
  // Written whole then renamed, so a stack starting beside this one never reads half a file.
  const tmp = `${file}.${process.pid}.tmp`;
  writeFileSync(tmp, JSON.stringify(template));
  renameSync(tmp, file);
  for (const name of readdirSync(cacheDir)) {
    if (name.endsWith(".json") && join(cacheDir, name) !== file) {
      rmSync(join(cacheDir, name), { force: true });
    }
  }
  return { template, cached: false };
}

export interface LocalNames {
  /** Public URL of the local HTTP gateway. */
  apiUrl: string;
}

/** A function of the template: its handler (by the `backorder:function` metadata), and the
 * timeout and memory Lambda gives it. */
export interface LocalFunction {
  logicalId: string;
  name: FunctionName;
  arn: string;
  timeoutSeconds: number;
  memoryMB: number;
}

/** Lambda's defaults, for a function whose template leaves them out. */
const LAMBDA_DEFAULT_TIMEOUT_SECONDS = 3;
const LAMBDA_DEFAULT_MEMORY_MB = 128;

/** What the local stack runs, read off the synthesized template. */
export interface LocalModel {
  tables: Record<string, string>;
  functions: LocalFunction[];
  stateMachines: {
    logicalId: string;
    name: string;
    arn: string;
    definition: Record<string, unknown>;
  }[];
  /** The environment the functions get (all of them share one process locally). */
  environment: Record<string, string>;
  /** EventBridge rules on events (not schedules: routes.ts runs those), for the local bus. */
  rules: LocalRule[];
  /** Each function's role: the Allow statements of the policies attached to it (local IAM). */
  permissions: Record<string, Permission[]>;
  /** Secret ARNs by the function environment variable naming them (`…_SECRET_ARN`). */
  secretArnsByEnv: Record<string, string>;
}

type Resolved = string | number | boolean | null | Resolved[] | { [k: string]: Resolved };

/**
 * Turns the template into what the local stack needs, resolving CloudFormation intrinsics
 * against local names: tables are named by their logical id, functions and state machines
 * get local ARNs, the HTTP API's endpoint is the local gateway, and secrets resolve to ""
 * (locally API keys come from the environment instead of Secrets Manager).
 */
export function localModel(template: CfnTemplate, names: LocalNames): LocalModel {
  const refs: Record<string, string> = {};
  const attrs: Record<string, string> = {};
  const tables: Record<string, string> = {};
  const functions: LocalModel["functions"] = [];
  for (const [id, res] of Object.entries(template.Resources)) {
    switch (res.Type) {
      case "AWS::DynamoDB::Table":
        tables[id] = id;
        refs[id] = id;
        attrs[`${id}.Arn`] = `arn:aws:dynamodb:${LOCAL_REGION}:${LOCAL_ACCOUNT}:table/${id}`;
        break;
      case "AWS::Lambda::Function": {
        const arn = `arn:aws:lambda:${LOCAL_REGION}:${LOCAL_ACCOUNT}:function:${id}`;
        refs[id] = id;
        attrs[`${id}.Arn`] = arn;
        const name = res.Metadata?.[FUNCTION_METADATA_KEY];
        if (typeof name === "string") {
          const props = res.Properties ?? {};
          functions.push({
            logicalId: id,
            name: name as FunctionName,
            arn,
            timeoutSeconds: Number(props.Timeout ?? LAMBDA_DEFAULT_TIMEOUT_SECONDS),
            memoryMB: Number(props.MemorySize ?? LAMBDA_DEFAULT_MEMORY_MB),
          });
        }
        break;
      }
      case "AWS::StepFunctions::StateMachine":
        refs[id] = `arn:aws:states:${LOCAL_REGION}:${LOCAL_ACCOUNT}:stateMachine:${id}`;
        attrs[`${id}.Name`] = id;
        break;
      case "AWS::ApiGatewayV2::Api":
        refs[id] = "local";
        attrs[`${id}.ApiEndpoint`] = names.apiUrl;
        break;
      case "AWS::SecretsManager::Secret":
        refs[id] = "";
        break;
      // Sends name it as on AWS: the local SES gives a send of a configuration set its
      // events (the mailbox simulator's bounces and complaints, ses-front.ts).
      case "AWS::SES::ConfigurationSet":
        refs[id] = typeof res.Properties?.Name === "string" ? res.Properties.Name : "";
        break;
      default:
        refs[id] = id;
    }
  }
  const resolve = (value: unknown): Resolved => resolveIntrinsics(value, refs, attrs);

  const stateMachines: LocalModel["stateMachines"] = [];
  const environment: Record<string, string> = {};
  for (const [id, res] of Object.entries(template.Resources)) {
    if (res.Type === "AWS::StepFunctions::StateMachine") {
      const definition = JSON.parse(String(resolve(res.Properties?.DefinitionString)));
      stateMachines.push({ logicalId: id, name: id, arn: refs[id] as string, definition });
    }
    if (res.Type === "AWS::Lambda::Function") {
      const env = (
        res.Properties?.Environment as { Variables?: Record<string, unknown> } | undefined
      )?.Variables;
      for (const [key, raw] of Object.entries(env ?? {})) {
        const value = String(resolve(raw));
        if (key in environment && environment[key] !== value) {
          throw new Error(`functions disagree on ${key}; the local stack shares one environment`);
        }
        environment[key] = value;
      }
    }
  }
  const functionsByArn = new Map(functions.map((f) => [f.arn, f.name]));
  const rules: LocalRule[] = [];
  for (const [id, res] of Object.entries(template.Resources)) {
    if (res.Type !== "AWS::Events::Rule" || !res.Properties?.EventPattern) continue;
    if (res.Properties.State === "DISABLED") continue;
    const targets = (res.Properties.Targets ?? []) as {
      Arn: unknown;
      RetryPolicy?: { MaximumRetryAttempts?: number };
    }[];
    rules.push({
      logicalId: id,
      pattern: resolve(res.Properties.EventPattern) as Record<string, unknown>,
      targets: targets.map((target) => {
        let fn: FunctionName | undefined;
        try {
          fn = functionsByArn.get(String(resolve(target.Arn)));
        } catch {
          // not an ARN the local stack knows
        }
        if (!fn) {
          throw new Error(
            `rule ${id}: the local stack runs only function targets (${JSON.stringify(target.Arn)})`,
          );
        }
        // EventBridge's default: 185 retries.
        return { fn, retryAttempts: target.RetryPolicy?.MaximumRetryAttempts ?? 185 };
      }),
    });
  }
  const { permissions, secretArnsByEnv } = localRoles(template, functions, refs, attrs);
  return { tables, functions, stateMachines, environment, rules, permissions, secretArnsByEnv };
}

/**
 * What each function's role allows, read off the template as IAM would: the Allow
 * statements of every AWS::IAM::Policy attached to the role, resolved to local ARNs. Here
 * secrets resolve to ARNs of their own (the functions' environment gets "" for them), so a
 * grant on one secret is told from a grant on another.
 */
function localRoles(
  template: CfnTemplate,
  functions: LocalFunction[],
  refs: Record<string, string>,
  attrs: Record<string, string>,
): Pick<LocalModel, "permissions" | "secretArnsByEnv"> {
  const secretRefs = { ...refs };
  for (const [id, res] of Object.entries(template.Resources)) {
    if (res.Type === "AWS::SecretsManager::Secret") {
      secretRefs[id] = `arn:aws:secretsmanager:${LOCAL_REGION}:${LOCAL_ACCOUNT}:secret:${id}`;
    }
  }
  // Resources the local stack does not run (queues, topics, keys) stand for themselves: no
  // function's call names them, so a grant on one allows nothing here.
  const orPlaceholder = (known: Record<string, string>) =>
    new Proxy(known, {
      get: (target, key) => (typeof key === "string" ? (target[key] ?? `<${key}>`) : undefined),
    });
  const resolve = (value: unknown) =>
    resolveIntrinsics(value, orPlaceholder(secretRefs), orPlaceholder(attrs));
  const statementsByRole = new Map<string, Permission[]>();
  for (const res of Object.values(template.Resources)) {
    if (res.Type !== "AWS::IAM::Policy") continue;
    const document = res.Properties?.PolicyDocument as
      | { Statement: { Effect: string; Action: unknown; Resource: unknown }[] }
      | undefined;
    const allowed = (document?.Statement ?? [])
      .filter((statement) => statement.Effect === "Allow")
      .map((statement) => ({
        actions: [resolve(statement.Action)].flat().map(String),
        resources: [resolve(statement.Resource)].flat().map(String),
      }));
    for (const role of (res.Properties?.Roles ?? []) as { Ref?: string }[]) {
      if (!role.Ref) continue;
      statementsByRole.set(role.Ref, [...(statementsByRole.get(role.Ref) ?? []), ...allowed]);
    }
  }
  const permissions: Record<string, Permission[]> = {};
  const secretArnsByEnv: Record<string, string> = {};
  for (const fn of functions) {
    const props = template.Resources[fn.logicalId]?.Properties ?? {};
    const role = (props.Role as { "Fn::GetAtt"?: [string, string] } | undefined)?.[
      "Fn::GetAtt"
    ]?.[0];
    permissions[fn.name] = role ? (statementsByRole.get(role) ?? []) : [];
    const env = (props.Environment as { Variables?: Record<string, unknown> } | undefined)
      ?.Variables;
    for (const [key, raw] of Object.entries(env ?? {})) {
      const ref = (raw as { Ref?: unknown } | null)?.Ref;
      if (
        typeof ref === "string" &&
        template.Resources[ref]?.Type === "AWS::SecretsManager::Secret"
      ) {
        secretArnsByEnv[key] = String(resolve(raw));
      }
    }
  }
  return { permissions, secretArnsByEnv };
}

const PSEUDO: Record<string, string> = {
  "AWS::Region": LOCAL_REGION,
  "AWS::AccountId": LOCAL_ACCOUNT,
  "AWS::Partition": "aws",
  "AWS::URLSuffix": "amazonaws.com",
  "AWS::StackName": "BackorderEngine",
};

export function resolveIntrinsics(
  value: unknown,
  refs: Record<string, string>,
  attrs: Record<string, string>,
): Resolved {
  const again = (v: unknown) => resolveIntrinsics(v, refs, attrs);
  if (Array.isArray(value)) return value.map(again);
  if (value === null || typeof value !== "object") return value as Resolved;
  const entries = Object.entries(value as Record<string, unknown>);
  const [first] = entries;
  if (entries.length === 1 && first) {
    const [fn, arg] = first;
    if (fn === "Ref") {
      const name = String(arg);
      const hit = PSEUDO[name] ?? refs[name];
      if (hit === undefined) throw new Error(`cannot resolve Ref ${name} locally`);
      return hit;
    }
    if (fn === "Fn::GetAtt") {
      const dotted = String(arg);
      const [id, attr] = Array.isArray(arg)
        ? arg
        : [dotted.slice(0, dotted.indexOf(".")), dotted.slice(dotted.indexOf(".") + 1)];
      const hit = attrs[`${id}.${attr}`];
      if (hit === undefined) throw new Error(`cannot resolve Fn::GetAtt ${id}.${attr} locally`);
      return hit;
    }
    if (fn === "Fn::Join") {
      const [sep, parts] = arg as [string, unknown[]];
      return parts.map((p) => String(again(p))).join(sep);
    }
    if (fn === "Fn::Sub") {
      const [text, vars] = (Array.isArray(arg) ? arg : [arg, {}]) as [
        string,
        Record<string, unknown>,
      ];
      return text.replace(/\$\{([^}]+)\}/g, (_, name: string) => {
        if (name.startsWith("!")) return `\${${name.slice(1)}}`;
        if (name in vars) return String(again(vars[name]));
        if (name.includes(".")) return String(again({ "Fn::GetAtt": name }));
        return String(again({ Ref: name }));
      });
    }
  }
  return Object.fromEntries(entries.map(([k, v]) => [k, again(v)]));
}
