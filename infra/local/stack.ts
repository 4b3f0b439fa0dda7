import { appendFileSync, existsSync, mkdirSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { installClock } from "../../shared/adapters/clock.ts";
import { setLocalHooks } from "../../shared/adapters/local-hooks.ts";
import { limitSandboxPayments } from "../../shared/adapters/sandbox-payment.ts";
import { scheduledFunctions } from "../../shared/http/routes.ts";
import { logger } from "../../shared/logger.ts";
import { PaymentRateLimitedError } from "../../shared/ports/payment-gateway.ts";
import { CUSTOMER_CONTEXT_ENV } from "../assembly.ts";
import { repoRoot } from "../paths.ts";
import { VirtualClock } from "./clock.ts";
import { checkJava, ensureDynamoDbLocal } from "./dynamodb/jar.ts";
import {
  type DynamoDbLocalHandle,
  localDynamoDbClient,
  startDynamoDbLocal,
} from "./dynamodb/process.ts";
import { createTablesFromTemplate } from "./dynamodb/tables.ts";
import { LocalEventBus } from "./events.ts";
import { type FaultsConfig, LocalFaults, parseFaults, sdkError } from "./faults.ts";
import { LocalGateway } from "./gateway.ts";
import { LocalIam } from "./iam.ts";
import { LOCAL_ACCOUNT, LOCAL_CREDENTIALS, LOCAL_REGION } from "./identity.ts";
import { type Activity, type IdleResult, waitUntilIdle } from "./idle.ts";
import { LocalLambdaRuntime } from "./lambda-runtime.ts";
import { type LimitsInForce, LocalLimits, parseLimits } from "./limits.ts";
import { PaymentsLedger } from "./payments-ledger.ts";
import { type LocalSes, startLocalSes } from "./ses.ts";
import type { BusEvent } from "./stepfunctions/events.ts";
import { LocalStepFunctions } from "./stepfunctions/server.ts";
import { localModel, localTemplate } from "./template.ts";

export interface LocalStackOptions {
  apiPort: number;
  dynamodbPort: number;
  sesPort: number;
  sfnPort: number;
  /** Where DynamoDB data, the clock offset and execution records live. */
  dataDir: string;
  /** Start empty: delete `dataDir` first. */
  fresh?: boolean;
  /**
   * DynamoDB Local keeps its data in memory, not in `dataDir` (`-inMemory`): the same
   * emulator, a third less of its CPU a call, and nothing survives a stop. For throwaway
   * stacks (the benchmarks); a stack that is to be restarted keeps it on disk.
   */
  dynamodbInMemory?: boolean;
  host?: string;
  storefrontApiKey: string;
  warehouseApiKey: string;
  /** Signs customer links in emails. */
  linkSigningSecret: string;
  /** Suppliers' webhook secrets, JSON {supplierId: "whsec_..."}. */
  supplierSecrets: string;
  /** Faults to inject from the start (faults.ts; `BACKORDER_LOCAL_FAULTS`). */
  faults?: FaultsConfig;
  /** The limits to enforce (limits.ts; `BACKORDER_LOCAL_LIMITS`); AWS's by default. */
  limits?: LimitsInForce;
  /** Progress messages for the console. */
  say?: (message: string) => void;
}

/** Written to `<dataDir>/stack.json` once the stack is up. */
export interface LocalStackManifest {
  urls: LocalStack["urls"];
  tableName: string;
  lineStateMachineArn: string;
  pid: number;
}

export interface LocalStack {
  urls: { api: string; dynamodb: string; ses: string; sfn: string; mailViewer: string };
  clock: VirtualClock;
  /** The faults in force; also `/_local/faults`. */
  faults: LocalFaults;
  /** The limits in force; also `GET /_local/limits`. */
  limits: LocalLimits;
  /** Resolves once nothing is in flight (see idle.ts); also `GET /_local/idle`. */
  waitForIdle(timeoutMs?: number): Promise<IdleResult>;
  stop(): Promise<void>;
}

/**
 * Brings up the whole system on this machine: DynamoDB Local with the tables of the
 * synthesized template, a local SES, a local Step Functions endpoint running the
 * synthesized line state machine, and the HTTP gateway, all on one virtual clock. The
 * gateway answers first (503 on /health) so a caller can watch the stack come up.
 */
/**
 * Runs the scheduled functions locally: once at start-up (what was cut off by the last
 * stop is finished at once), then every period of the virtual clock.
 */
function startSchedules(runtime: LocalLambdaRuntime, clock: VirtualClock): () => Promise<void> {
  const cancels = new Map<string, () => void>();
  let stopped = false;
  for (const { name, everyMinutes } of scheduledFunctions()) {
    const run = async () => {
      if (stopped) return;
      await runtime
        .invoke(name, { source: "local.schedule" })
        .catch((error: unknown) => logger.error(`scheduled ${name} failed`, { error }));
      // The next run is a period after now: a long clock advance runs it once, not per period.
      if (!stopped) cancels.set(name, clock.schedule(clock.nowMs() + everyMinutes * 60_000, run));
    };
    void run();
  }
  return async () => {
    stopped = true;
    for (const cancel of cancels.values()) cancel();
  };
}

/** The error a Step Functions Lambda task fails with when Lambda throttles the invocation. */
function lambdaThrottled(): Error {
  const error = new Error("Rate Exceeded.");
  error.name = "Lambda.TooManyRequestsException";
  return error;
}

/** Starts from nothing: removes the stack's data, keeping any log written beside it (a
 * test's stack log lives in its data directory and is being written already). */
function clearData(dataDir: string) {
  if (!existsSync(dataDir)) return;
  for (const entry of readdirSync(dataDir)) {
    if (!entry.endsWith(".log")) rmSync(join(dataDir, entry), { recursive: true, force: true });
  }
}

export async function startLocalStack(options: LocalStackOptions): Promise<LocalStack> {
  const host = options.host ?? "127.0.0.1";
  const say = options.say ?? (() => undefined);
  if (options.fresh) clearData(options.dataDir);
  mkdirSync(options.dataDir, { recursive: true });

  const clock = new VirtualClock(join(options.dataDir, "clock.json"));
  installClock(clock);
  const faults = new LocalFaults(parseFaults(options.faults ?? {}));
  const ledger = new PaymentsLedger(join(options.dataDir, "payments.jsonl"));
  // Faults step into the functions' outside calls (local-hooks.ts); the sandbox's
  // payments are written to its ledger.
  // Local IAM (iam.ts): the functions' roles, once the template is read.
  let iam: LocalIam | undefined;
  setLocalHooks({
    beforeCall(call) {
      iam?.check(call);
      if (call.service === "payments" && faults.payments()) {
        throw new PaymentRateLimitedError(
          "Too many requests hit the sandbox payment provider too quickly (rate_limit, HTTP 429; a local fault).",
        );
      }
      const error = faults.sdk(call);
      if (error) throw sdkError(error, call.service, call.operation);
    },
    afterCall(call) {
      if (call.payment) ledger.record(call.payment, new Date());
      // Only a function's call can crash it (the stack's own calls run in no invocation).
      return call.fn !== undefined && faults.crash(call);
    },
    beforeSecretRead(fn, arnEnv) {
      iam?.checkSecret(fn, arnEnv);
    },
  });
  const limits = new LocalLimits(options.limits ?? parseLimits({}));
  // Function timeouts and memory come from the template, once it is read (configure below).
  const runtime = new LocalLambdaRuntime({ latencyMs: (name) => faults.latencyMs(name) });
  let ready = false;
  let stepFunctions: LocalStepFunctions | undefined;
  let bus: LocalEventBus | undefined;
  const activity = (): Activity => {
    const lambdas = runtime.activity();
    return {
      lambdasInFlight: lambdas.inFlight,
      lambdasStarted: lambdas.started,
      dueTimers: clock.dueTimers(),
      executionsRunning: stepFunctions?.runningCount() ?? 0,
      executionsParked: stepFunctions?.waitingTaskCount() ?? 0,
      deliveriesPending: bus?.pending() ?? 0,
    };
  };
  const waitForIdle = (timeoutMs?: number) => waitUntilIdle(activity, { timeoutMs });
  const gateway = new LocalGateway({
    runtime,
    clock,
    isReady: () => ready,
    waitForIdle,
    faults,
    limits,
    payments: () => ledger.entries(),
    beforeClockMoves: async () => {
      // Deliveries retry with back-off of at most 5 s: 15 s lets a few retries finish.
      const until = Date.now() + 15_000;
      while ((bus?.pending() ?? 0) > 0 && Date.now() < until) {
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
    },
  });
  const stops: (() => Promise<void>)[] = [];
  let dynamodbStarting: Promise<DynamoDbLocalHandle> | undefined;
  const stop = async () => {
    ready = false;
    clock.stop();
    for (const s of stops.reverse()) await s().catch(() => undefined);
    stops.length = 0;
  };

  try {
    const apiUrl = await gateway.listen(options.apiPort, host);
    stops.push(() => gateway.close());
    const urls = {
      api: apiUrl,
      dynamodb: `http://${host}:${options.dynamodbPort}`,
      ses: `http://${host}:${options.sesPort}`,
      sfn: `http://${host}:${options.sfnPort}`,
      mailViewer: `http://${host}:${options.sesPort}/`,
    };
    // DynamoDB Local (Java) takes seconds to boot: start it first, the rest comes up meanwhile.
    say("starting DynamoDB Local");
    await checkJava();
    const cacheDir = join(repoRoot, ".cache");
    await ensureDynamoDbLocal(cacheDir);
    dynamodbStarting = startDynamoDbLocal({
      port: options.dynamodbPort,
      ...(options.dynamodbInMemory
        ? { inMemory: true }
        : { dataDir: join(options.dataDir, "dynamodb") }),
      cacheDir,
      host,
    });
    // Its failure is awaited below; meanwhile it must not count as unhandled.
    dynamodbStarting.catch(() => undefined);

    say("reading the synthesized template");
    const { template, cached } = await localTemplate();
    if (!cached) say("synthesized the CDK app (cached in .cache/templates until a source changes)");
    const model = localModel(template, { apiUrl });
    // Every machine runs locally; the line machine is the LineWorkflow construct's.
    const stateMachine = model.stateMachines.find((m) => m.logicalId.startsWith("LineWorkflow"));
    if (!stateMachine) throw new Error("the synthesized template has no line state machine");
    runtime.configure(model.functions, limits.inForce.lambda);
    if (limits.inForce.iam) iam = new LocalIam(model.permissions, model.secretArnsByEnv);
    // The sandbox payment provider runs in this process: Stripe's rate, for every invocation.
    limitSandboxPayments(limits.inForce.payments ? () => limits.payments() : undefined);
    stops.push(async () => limitSandboxPayments(undefined));
    stops.push(async () => setLocalHooks(undefined));

    // The shop's settings may be given in the environment locally; they win over the
    // template's (from cdk.json's context).
    const shopSettings = Object.fromEntries(
      Object.values(CUSTOMER_CONTEXT_ENV)
        .map((name) => [name, process.env[name]])
        .filter((entry): entry is [string, string] => Boolean(entry[1])),
    );
    // Handlers reach AWS through SDK clients configured by these standard variables.
    Object.assign(process.env, model.environment, shopSettings, {
      AWS_REGION: LOCAL_REGION,
      AWS_ACCESS_KEY_ID: LOCAL_CREDENTIALS.accessKeyId,
      AWS_SECRET_ACCESS_KEY: LOCAL_CREDENTIALS.secretAccessKey,
      AWS_ENDPOINT_URL_DYNAMODB: urls.dynamodb,
      AWS_ENDPOINT_URL_SFN: urls.sfn,
      AWS_ENDPOINT_URL_SESV2: urls.ses,
      BACKORDER_LINE_STATE_MACHINE_ARN: stateMachine.arn,
      BACKORDER_STOREFRONT_API_KEY: options.storefrontApiKey,
      BACKORDER_WAREHOUSE_API_KEY: options.warehouseApiKey,
      BACKORDER_LINK_SIGNING_SECRET: options.linkSigningSecret,
      BACKORDER_SUPPLIER_SECRETS: options.supplierSecrets,
      // Count every SDK call and DynamoDB's consumed capacity (GET /_local/meter).
      BACKORDER_METER: "on",
      // Orders may use the sandbox payment provider here (a deployed stage: off unless
      // its context says on); BACKORDER_SANDBOX_PAYMENTS=off tries the refusal locally.
      BACKORDER_SANDBOX_PAYMENTS: process.env.BACKORDER_SANDBOX_PAYMENTS ?? "on",
      // Business metrics are CloudWatch log lines (embedded metric format): on AWS they
      // become metrics; here they would only crowd the log (POWERTOOLS_METRICS_DISABLED=false
      // shows them).
      POWERTOOLS_METRICS_DISABLED: process.env.POWERTOOLS_METRICS_DISABLED ?? "true",
    });
    delete process.env.AWS_PROFILE;
    delete process.env.AWS_SESSION_TOKEN;

    say("starting local SES");
    const ses: LocalSes = await startLocalSes(options.sesPort, host, {
      // An injected fault first, then the account's sending rate.
      beforeSend: () => faults.ses() ?? (limits.ses() ? undefined : "TooManyRequestsException"),
      // Every send's SEND event, and the mailbox simulator's bounces and complaints, onto the
      // event bus as SES puts them.
      now: () => clock.now(),
      // Every email taken, on disk: the mail store is in memory and gone with a kill.
      onSent: (mail) =>
        appendFileSync(join(options.dataDir, "ses-sent.jsonl"), `${JSON.stringify(mail)}\n`),
      onFeedback: (event) => {
        const put = { account: LOCAL_ACCOUNT, ...event } as unknown as BusEvent;
        bus
          ?.put(put)
          .catch((error: unknown) =>
            logger.warn("local SES feedback not delivered", { error: String(error) }),
          );
      },
    });
    stops.push(() => ses.close());

    say("starting local Step Functions");
    const functionsByArn = new Map(model.functions.map((f) => [f.arn, f.name]));
    const sfn = new LocalStepFunctions({
      clock,
      stateMachines: [
        ...model.stateMachines.map((m) => ({ arn: m.arn, name: m.name, definition: m.definition })),
      ],
      invokeLambda: (arn, payload) => {
        const name = functionsByArn.get(arn);
        if (!name) return Promise.reject(new Error(`no local function for ${arn}`));
        // Throttled (an injected fault): what Step Functions reports when Lambda throttles.
        if (faults.lambda(name)) return Promise.reject(lambdaThrottled());
        return runtime.invoke(name, payload);
      },
      refuseTaskCall: () => faults.sendTaskSuccess(),
      admit: (operation) => limits.sfn(operation),
      stateFile: join(options.dataDir, "stepfunctions.json"),
      log: (entry) => logger.debug("local step functions", entry),
    });
    await sfn.listen(options.sfnPort, host);
    stops.push(() => sfn.close());
    stepFunctions = sfn;

    const dynamodb: DynamoDbLocalHandle = await dynamodbStarting;
    // Stopped after the schedules, Step Functions and SES, before the gateway (index 0).
    stops.splice(1, 0, () => dynamodb.stop());
    say("creating the tables");
    const ddb = localDynamoDbClient(dynamodb.endpoint);
    await createTablesFromTemplate(ddb, template, (id) => model.tables[id] ?? id);
    ddb.destroy();

    // What tools and tests need to talk to this stack directly.
    writeFileSync(
      join(options.dataDir, "stack.json"),
      JSON.stringify(
        {
          urls,
          tableName: process.env.BACKORDER_TABLE_NAME,
          lineStateMachineArn: stateMachine.arn,
          pid: process.pid,
        },
        null,
        2,
      ),
    );
    ready = true;
    stops.push(startSchedules(runtime, clock));
    // EventBridge: the template's rules on events, fed by Step Functions' status changes.
    // Stops that were not announced before (a stack killed or stopped) go out now.
    const events = new LocalEventBus({
      rules: model.rules,
      invoke: (fn, event) => runtime.invoke(fn, event),
      log: (entry) => logger.warn("local event bus", entry),
      // Kept on disk: an event put before a kill is delivered after the restart.
      journal: join(options.dataDir, "events.jsonl"),
    });
    bus = events;
    events.resume();
    stops.push(async () => events.close());
    sfn.startAnnouncing((event) => events.put(event));
    return { urls, clock, faults, limits, waitForIdle, stop };
  } catch (error) {
    await stop();
    // A DynamoDB Local still booting (or up, but not yet in `stops`) is stopped too.
    await dynamodbStarting?.then(
      (handle) => handle.stop(),
      () => undefined,
    );
    throw error;
  }
}
