import {
  ArnFormat,
  type CfnElement,
  CfnOutput,
  Duration,
  SecretValue,
  Stack,
  type StackProps,
  Token,
  Validations,
} from "aws-cdk-lib";
import { EventBus, Rule, Schedule } from "aws-cdk-lib/aws-events";
import { LambdaFunction } from "aws-cdk-lib/aws-events-targets";
import { Policy, PolicyStatement } from "aws-cdk-lib/aws-iam";
import { HostedZone } from "aws-cdk-lib/aws-route53";
import { Secret } from "aws-cdk-lib/aws-secretsmanager";
import {
  ConfigurationSet,
  EmailIdentity,
  EmailSendingEvent,
  EventDestination,
  Identity,
  SuppressionReasons,
} from "aws-cdk-lib/aws-ses";
import type { Construct } from "constructs";
import { UNSET_SECRET } from "../../shared/adapters/payments.ts";
import {
  type Access,
  FUNCTIONS,
  type FunctionName,
  type FunctionSpec,
  scheduledFunctions,
} from "../../shared/http/routes.ts";
import { BulkWorkflow } from "../constructs/bulk-workflow.ts";
import { DataTable } from "../constructs/data.ts";
import { DEFAULT_TIMEOUT_SECONDS, Functions } from "../constructs/functions.ts";
import { BackorderApi } from "../constructs/http-api.ts";
import { LineWorkflow, WORKFLOW_FUNCTIONS } from "../constructs/line-workflow.ts";
import { Monitoring } from "../constructs/monitoring.ts";
import { EventTriggers } from "../constructs/triggers.ts";
import type { Stage } from "../stage.ts";

export interface BackorderStackProps extends StackProps {
  /** From-address of customer emails (context `emailFrom`). */
  emailFrom: string;
  /** Domain to verify as an SES identity (context `emailDomain`); none = verify elsewhere. */
  emailDomain?: string;
  /** The Route 53 public hosted zone of `emailDomain` in this account (context
   * `hostedZoneId`): the DKIM records are created in it. */
  hostedZone?: { id: string };
  /** The SES account is in the sandbox (context `sesSandbox=on`): sending is authorized
   * against each verified recipient identity too, so the grant covers every identity. */
  sesSandbox?: boolean;
  /** Public base URL for links in emails (context `publicBaseUrl`); default: the API URL. */
  publicBaseUrl?: string;
  /** The shop's name, logo, support address, footer, tracking pages and remedies, as
   * function environment variables (from the context keys in infra/assembly.ts). */
  customerEnvironment?: Record<string, string>;
  /** Where alarms are emailed (context `alarmEmail`); none: subscribe to AlarmTopicArn. */
  alarmEmail?: string;
  /** The stage (context `stage`): names, retention, deletion protection, log levels. */
  stage: Stage;
  /** A custom domain for the API and the customer links (contexts `apiDomainName`,
   * `apiCertificateArn`). */
  apiDomain?: { name: string; certificateArn: string };
}

/** Everything the engine runs on: table, functions, HTTP API, line state machine, email. */
export class BackorderStack extends Stack {
  constructor(scope: Construct, id: string, props: BackorderStackProps) {
    super(scope, id, props);
    const { stage } = props;
    const { table } = new DataTable(this, "Data", { stage });
    // Bounces and complaints put the address on the suppression list (SES sends it nothing
    // more), and every bounce, complaint and reject reaches record-email-feedback, which
    // marks the email on its order (EventBridge's default bus).
    const configurationSet = new ConfigurationSet(this, "EmailConfigurationSet", {
      configurationSetName: `${stage.prefix}-email`,
      suppressionReasons: SuppressionReasons.BOUNCES_AND_COMPLAINTS,
    });
    configurationSet.addEventDestination("Feedback", {
      destination: EventDestination.eventBus(
        EventBus.fromEventBusName(this, "DefaultBus", "default"),
      ),
      // SEND too: an email a step sent and died before marking is marked by it (notify.ts).
      events: [
        EmailSendingEvent.SEND,
        EmailSendingEvent.BOUNCE,
        EmailSendingEvent.COMPLAINT,
        EmailSendingEvent.REJECT,
      ],
    });
    if (props.emailDomain) {
      // Easy DKIM: in a Route 53 zone of this account the records are made; otherwise the
      // outputs say what to add to the domain's DNS.
      const identity = new EmailIdentity(this, "EmailIdentity", {
        identity: props.hostedZone
          ? Identity.publicHostedZone(
              HostedZone.fromHostedZoneAttributes(this, "HostedZone", {
                hostedZoneId: props.hostedZone.id,
                zoneName: props.emailDomain,
              }),
            )
          : Identity.domain(props.emailDomain),
        configurationSet,
      });
      if (!props.hostedZone) {
        identity.dkimRecords.forEach((record, i) => {
          new CfnOutput(this, `EmailDkimRecord${i + 1}`, {
            description: `DNS record ${i + 1} of 3 for SES DKIM of ${props.emailDomain} (CNAME name → value)`,
            value: `${record.name} CNAME ${record.value}`,
          });
        });
      }
    }
    const storefrontKey = new Secret(this, "StorefrontApiKey", {
      secretName: `${stage.prefix}/storefront-api-keys`,
      description: "API key of the storefront role (Authorization: Bearer ...)",
      generateSecretString: { excludePunctuation: true, passwordLength: 40 },
    });
    const warehouseKey = new Secret(this, "WarehouseApiKey", {
      secretName: `${stage.prefix}/warehouse-api-keys`,
      description: "API key of the warehouse role (Authorization: Bearer ...)",
      generateSecretString: { excludePunctuation: true, passwordLength: 40 },
    });

    const linkSigningSecret = new Secret(this, "CustomerLinkSigningSecret", {
      secretName: `${stage.prefix}/customer-link-signing`,
      description: "HMAC secret that signs the customer links in emails (contract §3, §9)",
      generateSecretString: { excludePunctuation: true, passwordLength: 64 },
    });

    // Holds "unset" until the operator puts the Stripe secret key in it (see README).
    const stripeKey = new Secret(this, "StripeSecretKey", {
      secretName: `${stage.prefix}/stripe-secret-key`,
      description: "Stripe secret key for the stripe payment provider; 'unset' disables it",
      secretStringValue: SecretValue.unsafePlainText(UNSET_SECRET),
    });

    // Suppliers' Standard Webhooks secrets, a JSON object {"<supplierId>": "whsec_..."}.
    const supplierSecrets = new Secret(this, "SupplierWebhookSecrets", {
      secretName: `${stage.prefix}/supplier-webhook-secrets`,
      description: "Webhook secrets of suppliers posting ASNs: JSON {supplierId: whsec_...}",
      secretStringValue: SecretValue.unsafePlainText("{}"),
    });

    // The HTTP API resource does not depend on the functions (its routes do), so its URL
    // can be handed to them without a cycle.
    // In prod the secrets stay with the table when the stack goes (see infra/stage.ts).
    for (const secret of [
      storefrontKey,
      warehouseKey,
      linkSigningSecret,
      stripeKey,
      supplierSecrets,
    ]) {
      secret.applyRemovalPolicy(stage.secretRemoval);
    }

    const functions = new Functions(this, "Functions", {
      stage,
      environment: {
        BACKORDER_STAGE: stage.name,
        BACKORDER_SANDBOX_PAYMENTS: stage.sandboxPayments ? "on" : "off",
        BACKORDER_TABLE_NAME: table.tableName,
        BACKORDER_EMAIL_FROM: props.emailFrom,
        BACKORDER_SES_CONFIGURATION_SET: configurationSet.configurationSetName,
        BACKORDER_STOREFRONT_KEY_SECRET_ARN: storefrontKey.secretArn,
        BACKORDER_WAREHOUSE_KEY_SECRET_ARN: warehouseKey.secretArn,
        BACKORDER_LINK_SIGNING_SECRET_ARN: linkSigningSecret.secretArn,
        BACKORDER_STRIPE_SECRET_KEY_ARN: stripeKey.secretArn,
        BACKORDER_SUPPLIER_SECRETS_ARN: supplierSecrets.secretArn,
        ...props.customerEnvironment,
      },
    });
    const api = new BackorderApi(this, "Api", {
      functions: functions.byName,
      stage,
      ...(props.apiDomain ? { domain: props.apiDomain } : {}),
    });
    const workflow = new LineWorkflow(this, "LineWorkflow", {
      functions: functions.byName,
      stage,
    });
    const bulk = new BulkWorkflow(this, "BulkWorkflow", {
      runBulkJob: functions.byName["run-bulk-job"],
      stage,
    });
    const publicBaseUrl =
      props.publicBaseUrl ??
      (props.apiDomain ? `https://${props.apiDomain.name}` : api.api.apiEndpoint);

    // The machine's own tasks start and wake executions of that machine, and only that
    // machine: their grants name its ARN in a policy of its own, attached to the task's role
    // but not a dependency of the function (the machine depends on the function, so the
    // function's own policy cannot name the machine: a cycle).
    const inMachine = (fn: FunctionName) =>
      (WORKFLOW_FUNCTIONS as readonly FunctionName[]).includes(fn);
    const ownMachinePolicies = new Map<FunctionName, Policy>();
    const grantOnLineMachine = (fn: FunctionName, actions: string[]) => {
      const role = functions.byName[fn].role;
      if (!role) throw new Error(`${fn} has no role`);
      const statement = new PolicyStatement({
        actions,
        resources: [workflow.stateMachine.stateMachineArn],
      });
      if (!inMachine(fn)) return functions.byName[fn].addToRolePolicy(statement);
      const own =
        ownMachinePolicies.get(fn) ?? new Policy(this, `${fn}-line-machine`, { roles: [role] });
      ownMachinePolicies.set(fn, own);
      own.addStatements(statement);
    };

    /** The table's actions, on the table and its indexes. Reads are the calls the code
     * makes: no Scan, no streams. */
    const grantOnTable = (fn: FunctionName, actions: readonly string[]) =>
      table.grant(functions.byName[fn], ...actions);

    /** One action on the executions of the line machine, and on nothing else. */
    const grantOnExecutions = (fn: FunctionName, action: string) =>
      functions.byName[fn].addToRolePolicy(
        new PolicyStatement({
          actions: [action],
          resources: [
            this.formatArn({
              service: "states",
              resource: "execution",
              resourceName: `${workflow.stateMachine.stateMachineName}:*`,
              arnFormat: ArnFormat.COLON_RESOURCE_NAME,
            }),
          ],
        }),
      );

    const grants: Record<Access, (fn: FunctionName) => void> = {
      "table:read": (fn) => grantOnTable(fn, TABLE_READ_ACTIONS),
      // Start the bulk machine, and know its ARN.
      "bulk:start": (fn) => {
        bulk.stateMachine.grantStartExecution(functions.byName[fn]);
        functions.byName[fn].addEnvironment(
          "BACKORDER_BULK_STATE_MACHINE_ARN",
          bulk.stateMachine.stateMachineArn,
        );
      },
      "table:write": (fn) => grantOnTable(fn, TABLE_WRITE_ACTIONS),
      "workflow:start": (fn) => grantOnLineMachine(fn, ["states:StartExecution"]),
      // A parked line is woken with SendTaskSuccess; nothing fails or heartbeats a task.
      "workflow:signal": (fn) => grantOnLineMachine(fn, ["states:SendTaskSuccess"]),
      // DescribeExecution on the line machine's executions; nothing else.
      "workflow:read": (fn) => grantOnExecutions(fn, "states:DescribeExecution"),
      // GetExecutionHistory on the line machine's executions (a line's timeline).
      "workflow:history": (fn) => grantOnExecutions(fn, "states:GetExecutionHistory"),
      // Every email carries signed customer links, so sending one needs the signing secret.
      "email:send": (fn) => {
        linkSigningSecret.grantRead(functions.byName[fn]);
        functions.byName[fn].addToRolePolicy(
          new PolicyStatement({
            actions: ["ses:SendEmail"],
            resources: [
              // In the sandbox SES authorizes the send against each (verified) recipient
              // identity too: every identity of the account and region, then.
              ...(props.sesSandbox ? ["*"] : sesIdentities(props)).map((identity) =>
                this.formatArn({ service: "ses", resource: "identity", resourceName: identity }),
              ),
              this.formatArn({
                service: "ses",
                resource: "configuration-set",
                resourceName: configurationSet.configurationSetName,
              }),
            ],
          }),
        );
      },
      "api-keys:read": (fn) => {
        storefrontKey.grantRead(functions.byName[fn]);
        warehouseKey.grantRead(functions.byName[fn]);
      },
      "links:read": (fn) => linkSigningSecret.grantRead(functions.byName[fn]),
      "payments:read": (fn) => stripeKey.grantRead(functions.byName[fn]),
      "payments:charge": (fn) => stripeKey.grantRead(functions.byName[fn]),
      "suppliers:read": (fn) => supplierSecrets.grantRead(functions.byName[fn]),
    };
    for (const [name, spec] of Object.entries(FUNCTIONS) as [
      FunctionName,
      { access: readonly Access[] },
    ][]) {
      const fn = functions.byName[name];
      fn.addEnvironment("BACKORDER_PUBLIC_BASE_URL", publicBaseUrl);
      for (const access of spec.access) grants[access](name);
      const signals = spec.access.some((a) => a.startsWith("workflow:"));
      if (signals && !inMachine(name)) {
        fn.addEnvironment(
          "BACKORDER_LINE_STATE_MACHINE_ARN",
          workflow.stateMachine.stateMachineArn,
        );
      }
    }

    for (const { name, everyMinutes } of scheduledFunctions()) {
      new Rule(this, `${name}-schedule`, {
        description: `Runs ${name} every ${everyMinutes} minutes`,
        schedule: Schedule.rate(Duration.minutes(everyMinutes)),
        targets: [new LambdaFunction(functions.byName[name], { retryAttempts: 2 })],
      });
    }

    const triggers = new EventTriggers(this, "Triggers", {
      functions: functions.byName,
      lineStateMachine: workflow.stateMachine,
    });

    const monitoring = new Monitoring(this, "Monitoring", {
      stage,
      functions: functions.byName,
      timeouts: Object.fromEntries(
        (Object.entries(FUNCTIONS) as [FunctionName, FunctionSpec][]).map(([name, spec]) => [
          name,
          spec.timeoutSeconds ?? DEFAULT_TIMEOUT_SECONDS,
        ]),
      ) as Record<FunctionName, number>,
      machines: { lines: workflow.stateMachine, bulk: bulk.stateMachine },
      api: api.api,
      table,
      deadLetterQueues: Object.values(triggers.deadLetterQueues).filter(
        (q): q is NonNullable<typeof q> => q !== undefined,
      ),
      ...(props.alarmEmail ? { alarmEmail: props.alarmEmail } : {}),
    });
    new CfnOutput(this, "AlarmTopicArn", {
      description: "Alarms of this stage (subscribe, or deploy with -c alarmEmail=...)",
      value: monitoring.topic.topicArn,
    });

    new CfnOutput(this, "Stage", { value: stage.name });
    new CfnOutput(this, "ApiUrl", { value: api.api.apiEndpoint });
    if (api.domainName) {
      new CfnOutput(this, "ApiDomainTarget", {
        description: `Point ${api.domainName.name} at this (a CNAME, or a Route 53 alias)`,
        value: api.domainName.regionalDomainName,
      });
    }
    new CfnOutput(this, "ConsoleUrl", { value: `${publicBaseUrl}/console` });
    new CfnOutput(this, "LineStateMachineArn", { value: workflow.stateMachine.stateMachineArn });
    new CfnOutput(this, "StorefrontApiKeySecretArn", { value: storefrontKey.secretArn });
    new CfnOutput(this, "WarehouseApiKeySecretArn", { value: warehouseKey.secretArn });
    new CfnOutput(this, "StripeSecretKeyArn", { value: stripeKey.secretArn });
    new CfnOutput(this, "SupplierWebhookSecretsArn", { value: supplierSecrets.secretArn });
    const restartDeadLetters = triggers.deadLetterQueues["restart-line"];
    if (restartDeadLetters) {
      new CfnOutput(this, "RestartLineDeadLetterQueueUrl", {
        description: "Line-stopped events restart-line could not handle (the backstop covers them)",
        value: restartDeadLetters.queueUrl,
      });
    }

    const logicalId = (c: Construct) =>
      this.resolve(this.getLogicalId(c.node.defaultChild as CfnElement)) as string;
    suppressReviewedFindings(this, {
      lineExecutionsFinding: `arn:<AWS::Partition>:states:${
        Token.isUnresolved(this.region) ? "<AWS::Region>" : this.region
      }:<AWS::AccountId>:execution:<${logicalId(workflow.stateMachine)}.Name>:*`,
      sesSandboxFinding: props.sesSandbox
        ? `arn:<AWS::Partition>:ses:${
            Token.isUnresolved(this.region) ? "<AWS::Region>" : this.region
          }:<AWS::AccountId>:identity/*`
        : undefined,
      tableLogicalId: logicalId(table),
      workflowFunctionLogicalIds: [...WORKFLOW_FUNCTIONS, "run-bulk-job" as const].map((name) =>
        logicalId(functions.byName[name]),
      ),
    });
  }
}

/** What reading the table takes: the calls the code makes (GetItem, BatchGetItem, Query,
 * a transaction's ConditionCheck, /health's DescribeTable); never Scan or its streams. */
export const TABLE_READ_ACTIONS = [
  "dynamodb:GetItem",
  "dynamodb:BatchGetItem",
  "dynamodb:Query",
  "dynamodb:ConditionCheckItem",
  "dynamodb:DescribeTable",
] as const;
/** What writing takes, on its own or in a transaction; no BatchWriteItem (never used). */
export const TABLE_WRITE_ACTIONS = [
  "dynamodb:PutItem",
  "dynamodb:UpdateItem",
  "dynamodb:DeleteItem",
] as const;

/** The identities a send may be authorized by: the verified domain and the address. */
function sesIdentities(props: BackorderStackProps): string[] {
  const domain = props.emailDomain ?? props.emailFrom.split("@")[1];
  return [...new Set([domain, props.emailFrom].filter((x): x is string => Boolean(x)))];
}

/** cdk-nag AwsSolutions findings we accept, each with the reason. */
function suppressReviewedFindings(
  stack: Stack,
  refs: {
    lineExecutionsFinding: string;
    sesSandboxFinding: string | undefined;
    tableLogicalId: string;
    workflowFunctionLogicalIds: string[];
  },
): void {
  const ack = (id: string, reason: string) => Validations.of(stack).acknowledge({ id, reason });
  ack(
    `AwsSolutions-IAM5[Resource::${refs.lineExecutionsFinding}]`,
    "The reconciler's backstop describes, and a line's timeline reads the history of, executions of the line machine only; their ARNs are not known before they exist.",
  );
  if (refs.sesSandboxFinding) {
    ack(
      `AwsSolutions-IAM5[Resource::${refs.sesSandboxFinding}]`,
      "In the SES sandbox (-c sesSandbox=on) SES authorizes a send against the recipient's verified identity too, and recipients are not known at deploy: sending is allowed on every identity of this account and region, ses:SendEmail only, until the account leaves the sandbox.",
    );
  }
  ack(
    "AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]",
    "Lambda functions use the AWS managed AWSLambdaBasicExecutionRole, which only lets a function write its own CloudWatch logs.",
  );
  ack(
    "AwsSolutions-IAM5[Resource::*]",
    "Only actions AWS does not let you scope to a resource use '*': X-Ray PutTraceSegments/PutTelemetryRecords (active tracing) and the CloudWatch Logs delivery actions of the state machine's logging.",
  );
  ack(
    `AwsSolutions-IAM5[Resource::<${refs.tableLogicalId}.Arn>/index/*]`,
    "Table grants cover the table's own secondary indexes (the oldest-first waiting queue is a GSI query).",
  );
  for (const id of refs.workflowFunctionLogicalIds) {
    ack(
      `AwsSolutions-IAM5[Resource::<${id}.Arn>:*]`,
      "The state machine may invoke any version or alias of its own task function, as CDK's LambdaInvoke grants.",
    );
  }
  ack(
    "AwsSolutions-L1",
    "Node.js 22 is pinned on purpose: it is the runtime the handlers and their libraries are built and tested on.",
  );
  ack(
    "AwsSolutions-APIG4",
    "Routes authenticate in the handler (contract §3): API keys by role for storefront and warehouse, Standard Webhooks signatures for suppliers, signed links for customers; /health is public.",
  );
  ack(
    "AwsSolutions-SMG4",
    "The API keys are shared with the merchant's storefront and warehouse systems; the operator rotates them (comma-separated overlap) rather than a rotation Lambda that would break those clients. The customer-link signing secret is not rotated automatically: the operator rotates it deliberately, keeping the previous secret until a set time so links already emailed still open (README, deploying).",
  );
}
