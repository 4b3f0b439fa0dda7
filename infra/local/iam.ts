/**
 * IAM, locally: each function may make only the calls its role in the synthesized template
 * allows, on the resources the role names, as on AWS. A call its role does not allow fails
 * with AccessDeniedException before it is made, so code that needs a grant the stack does
 * not give (a Scan, another stage's machine, a secret of another role) fails here first,
 * not on its first deploy. Checked on every AWS SDK call a function makes (the meter's
 * middleware, shared/adapters/meter.ts) and every secret it reads (locally an environment
 * variable; on AWS GetSecretValue on the secret the variable names).
 *
 * The policies are read off the template (localModel): Allow statements of the IAM
 * policies attached to each function's role; actions and resources match with IAM's `*`
 * and `?` wildcards. No condition keys are used by the stack, and none are evaluated.
 */
import type { OutsideCall } from "../../shared/adapters/local-hooks.ts";
import { LOCAL_ACCOUNT, LOCAL_REGION } from "./identity.ts";

/** One Allow statement of a function's role. */
export interface Permission {
  actions: string[];
  resources: string[];
}

/** What a call needs: an action, on a resource when the call names one. */
export interface Need {
  action: string;
  /** Undefined: the call names no resource IAM could be checked on locally (a task token). */
  resource?: string;
}

const IAM_PREFIX: Record<string, string> = {
  dynamodb: "dynamodb",
  sfn: "states",
  ses: "ses",
  secretsmanager: "secretsmanager",
};

const tableArn = (table: unknown, index?: unknown) =>
  `arn:aws:dynamodb:${LOCAL_REGION}:${LOCAL_ACCOUNT}:table/${String(table)}${
    typeof index === "string" ? `/index/${index}` : ""
  }`;

/** A transaction's items by what IAM checks each of them as. */
const TRANSACT_ACTIONS: Record<string, string> = {
  Put: "dynamodb:PutItem",
  Update: "dynamodb:UpdateItem",
  Delete: "dynamodb:DeleteItem",
  ConditionCheck: "dynamodb:ConditionCheckItem",
  Get: "dynamodb:GetItem",
};

/** The actions and resources an SDK call is authorized on, as AWS authorizes it. */
export function needsOf(service: string, operation: string, input: unknown): Need[] {
  const prefix = IAM_PREFIX[service];
  if (!prefix) return [];
  const args = (input ?? {}) as Record<string, unknown>;
  const action = `${prefix}:${operation}`;
  if (service === "dynamodb") {
    if (operation === "TransactWriteItems" || operation === "TransactGetItems") {
      return ((args.TransactItems ?? []) as Record<string, { TableName?: unknown }>[]).flatMap(
        (item) =>
          Object.entries(item).map(([kind, body]) => ({
            action: TRANSACT_ACTIONS[kind] ?? `dynamodb:${kind}`,
            resource: tableArn(body?.TableName),
          })),
      );
    }
    if (operation === "BatchGetItem" || operation === "BatchWriteItem") {
      return Object.keys((args.RequestItems ?? {}) as object).map((table) => ({
        action,
        resource: tableArn(table),
      }));
    }
    return [{ action, resource: tableArn(args.TableName, args.IndexName) }];
  }
  if (service === "sfn") {
    const resource = args.stateMachineArn ?? args.executionArn;
    return [{ action, ...(typeof resource === "string" ? { resource } : {}) }];
  }
  if (service === "ses" && typeof args.ConfigurationSetName === "string") {
    const configurationSet = `arn:aws:ses:${LOCAL_REGION}:${LOCAL_ACCOUNT}:configuration-set/${args.ConfigurationSetName}`;
    return [{ action, resource: configurationSet }];
  }
  return [{ action }];
}

/** IAM's wildcard match: `*` any run of characters, `?` one; actions case-insensitively. */
function matches(pattern: string, value: string, ignoreCase: boolean): boolean {
  const source = pattern
    .split("")
    .map((c) => (c === "*" ? ".*" : c === "?" ? "." : c.replace(/[\\^$.|+()[\]{}]/g, "\\$&")))
    .join("");
  return new RegExp(`^${source}$`, ignoreCase ? "i" : "").test(value);
}

/** Whether these statements allow what the call needs. */
export function allows(permissions: readonly Permission[], need: Need): boolean {
  return permissions.some(
    (p) =>
      p.actions.some((a) => matches(a, need.action, true)) &&
      (need.resource === undefined ||
        p.resources.some((r) => matches(r, need.resource ?? "", false))),
  );
}

/** The error AWS answers a call its caller's policies do not allow with. */
export function accessDenied(fn: string, need: Need): Error {
  const error = new Error(
    `User: arn:aws:sts::${LOCAL_ACCOUNT}:assumed-role/${fn}-role/${fn} is not authorized to perform: ${need.action}${
      need.resource ? ` on resource: ${need.resource}` : ""
    } because no identity-based policy allows the ${need.action} action`,
  );
  error.name = "AccessDeniedException";
  return Object.assign(error, {
    $fault: "client",
    $metadata: { httpStatusCode: 400, attempts: 1 },
  });
}

/**
 * The roles of the template's functions. `check` throws AccessDeniedException for a call
 * its function's role does not allow; calls made outside any invocation (the local stack's
 * own) are not checked.
 */
export class LocalIam {
  constructor(
    private readonly permissions: Readonly<Record<string, readonly Permission[]>>,
    /** Secret ARNs by the environment variable that names them to the functions. */
    private readonly secretArnsByEnv: Readonly<Record<string, string>>,
  ) {}

  check(call: Pick<OutsideCall, "fn" | "service" | "operation" | "input">): void {
    if (call.fn === undefined) return;
    const own = this.permissions[call.fn] ?? [];
    for (const need of needsOf(call.service, call.operation, call.input)) {
      if (!allows(own, need)) throw accessDenied(call.fn, need);
    }
  }

  /** A function reads the secret `arnEnv` names (locally: the value beside it). */
  checkSecret(fn: string | undefined, arnEnv: string): void {
    if (fn === undefined) return;
    const arn = this.secretArnsByEnv[arnEnv];
    const need: Need = { action: "secretsmanager:GetSecretValue", resource: arn ?? arnEnv };
    if (!arn || !allows(this.permissions[fn] ?? [], need)) throw accessDenied(fn, need);
  }
}
