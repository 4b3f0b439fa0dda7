import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  DescribeExecutionCommand,
  ExecutionAlreadyExists,
  ExecutionDoesNotExist,
  GetExecutionHistoryCommand,
  InvalidExecutionInput,
  InvalidName,
  InvalidOutput,
  InvalidToken,
  ListExecutionsCommand,
  SendTaskFailureCommand,
  SendTaskSuccessCommand,
  SFNClient,
  StartExecutionCommand,
  StateMachineDoesNotExist,
  StopExecutionCommand,
  TaskTimedOut,
} from "@aws-sdk/client-sfn";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { VirtualClock } from "../../infra/local/clock.ts";
import { freePort, isListening } from "../../infra/local/ports.ts";
import type { SfnRefusal } from "../../infra/local/stepfunctions/errors.ts";
import type { BusEvent } from "../../infra/local/stepfunctions/events.ts";
import { LocalStepFunctions } from "../../infra/local/stepfunctions/server.ts";
import { sfnLineSignals } from "../../shared/adapters/sfn-line-signals.ts";

const ACCOUNT = "000000000000";
const fn = (name: string) => `arn:aws:lambda:us-east-1:${ACCOUNT}:function:${name}`;
const BACKORDER_ARN = `arn:aws:states:us-east-1:${ACCOUNT}:stateMachine:Backorder`;
const PAUSE_ARN = `arn:aws:states:us-east-1:${ACCOUNT}:stateMachine:Pause`;
const SLOW_ARN = `arn:aws:states:us-east-1:${ACCOUNT}:stateMachine:Slow`;
/** Long enough that no clock.advance in this file times these tasks out. */
const FOREVER = 10_000_000;

// Shaped like what AWS CDK synthesizes for LambdaInvoke tasks (callback and request/response).
const backorderDefinition = {
  StartAt: "ReserveSupply",
  States: {
    ReserveSupply: {
      Type: "Task",
      Resource: "arn:aws:states:::lambda:invoke.waitForTaskToken",
      Parameters: {
        FunctionName: fn("Register"),
        Payload: { "lineId.$": "$.lineId", "taskToken.$": "$$.Task.Token" },
      },
      TimeoutSecondsPath: "$.waitSeconds",
      ResultPath: "$.supply",
      Catch: [
        { ErrorEquals: ["States.Timeout"], ResultPath: "$.error", Next: "OnTimeout" },
        { ErrorEquals: ["SupplyCancelled"], ResultPath: "$.error", Next: "RecordCancel" },
      ],
      Next: "Fill",
    },
    Fill: {
      Type: "Task",
      Resource: "arn:aws:states:::lambda:invoke",
      Parameters: { FunctionName: fn("Fill"), "Payload.$": "$" },
      ResultSelector: { "r.$": "$.Payload" },
      ResultPath: "$.fill",
      Retry: [
        {
          ErrorEquals: [
            "Lambda.ClientExecutionTimeoutException",
            "Lambda.ServiceException",
            "Lambda.AWSLambdaException",
            "Lambda.SdkClientException",
          ],
          IntervalSeconds: 2,
          MaxAttempts: 6,
          BackoffRate: 2,
        },
      ],
      Next: "Filled",
    },
    Filled: { Type: "Succeed" },
    OnTimeout: {
      Type: "Task",
      Resource: fn("OnTimeout"),
      ResultPath: "$.expired",
      Next: "Expired",
    },
    Expired: { Type: "Succeed" },
    RecordCancel: {
      Type: "Task",
      Resource: fn("RecordCancel"),
      ResultPath: null,
      Next: "Cancelled",
    },
    Cancelled: {
      Type: "Fail",
      Error: "Backorder.Cancelled",
      Cause: "The supply request was cancelled",
    },
  },
};

const pauseDefinition = {
  StartAt: "Describe",
  States: {
    Describe: {
      Type: "Pass",
      Parameters: {
        "name.$": "$$.Execution.Name",
        "id.$": "$$.Execution.Id",
        "start.$": "$$.Execution.StartTime",
        "state.$": "$$.State.Name",
        "input.$": "$$.Execution.Input",
        "delay.$": "$.delay",
      },
      Next: "Pause",
    },
    Pause: { Type: "Wait", SecondsPath: "$.delay", Next: "AfterWait" },
    AfterWait: { Type: "Task", Resource: fn("AfterWait"), End: true },
  },
};

const slowDefinition = {
  TimeoutSeconds: 600,
  StartAt: "Sleep",
  States: { Sleep: { Type: "Wait", Seconds: 3600, End: true } },
};

interface LambdaCall {
  functionArn: string;
  payload: Record<string, unknown>;
}

/** How many handles of each kind keep the process alive (timers, sockets, servers). */
function activeResources(): Map<string, number> {
  const counts = new Map<string, number>();
  for (const kind of process.getActiveResourcesInfo())
    counts.set(kind, (counts.get(kind) ?? 0) + 1);
  return counts;
}

async function until<T>(
  probe: () => Promise<T | undefined> | T | undefined,
  timeoutMs = 5000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error("condition not met in time");
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

describe("local Step Functions endpoint", () => {
  const clock = new VirtualClock();
  const calls: LambdaCall[] = [];
  const tokens = new Map<string, string>();
  const logs: Record<string, unknown>[] = [];
  /** The status-change events the endpoint announced. */
  const announced: BusEvent[] = [];
  let stepFunctions: LocalStepFunctions;
  let client: SFNClient;
  let port: number;
  let stateDir: string;
  let baseline: Map<string, number>;
  /** What SendTask* calls are answered with instead, while set (injected faults). */
  let refusal: SfnRefusal | undefined;
  /** Fill calls of line "flaky" left to fail as a briefly unavailable Lambda. */
  let flakyFailures = 0;

  async function invokeLambda(functionArn: string, payload: unknown): Promise<unknown> {
    const body = payload as Record<string, unknown>;
    calls.push({ functionArn, payload: body });
    switch (functionArn.split(":").at(-1)) {
      case "Register":
        tokens.set(String(body.lineId), String(body.taskToken));
        return { registered: true };
      case "Fill": {
        if (body.lineId === "flaky" && flakyFailures > 0) {
          flakyFailures--;
          throw Object.assign(new Error("Lambda is briefly unavailable"), {
            name: "Lambda.ServiceException",
          });
        }
        if (body.lineId === "declined") {
          throw Object.assign(new Error("card ending 4242 was declined"), {
            name: "PaymentDeclined",
          });
        }
        const supply = body.supply as { qty: number };
        return { filled: body.lineId, qty: supply.qty };
      }
      case "OnTimeout":
        return { expiredLine: body.lineId };
      case "RecordCancel":
        return { recorded: true };
      case "AfterWait":
        return { seen: body, atMs: clock.nowMs() };
      default:
        throw Object.assign(new Error(`no function ${functionArn}`), { name: "ResourceNotFound" });
    }
  }

  const callsTo = (name: string) => calls.filter((c) => c.functionArn === fn(name));

  async function start(input: Record<string, unknown>, name?: string, arn = BACKORDER_ARN) {
    const out = await client.send(
      new StartExecutionCommand({ stateMachineArn: arn, input: JSON.stringify(input), name }),
    );
    if (!out.executionArn) throw new Error("no executionArn");
    return out.executionArn;
  }

  async function describeExecution(executionArn: string) {
    return client.send(new DescribeExecutionCommand({ executionArn }));
  }

  async function finalStatus(executionArn: string) {
    return until(async () => {
      const out = await describeExecution(executionArn);
      return out.status === "RUNNING" ? undefined : out;
    });
  }

  async function history(executionArn: string) {
    const out = await client.send(new GetExecutionHistoryCommand({ executionArn }));
    return out.events ?? [];
  }

  async function lastEnteredState(executionArn: string): Promise<string | undefined> {
    const entered = (await history(executionArn)).filter((e) => e.type?.endsWith("StateEntered"));
    return entered.at(-1)?.stateEnteredEventDetails?.name;
  }

  /** Starts a backorder execution and waits until its Register call handed out a token. */
  async function startParked(lineId: string, waitSeconds = FOREVER, name?: string) {
    const executionArn = await start({ lineId, waitSeconds }, name);
    const token = await until(() => tokens.get(lineId));
    await stepFunctions.waitForIdle();
    return { executionArn, token };
  }

  beforeAll(async () => {
    stateDir = await mkdtemp(join(tmpdir(), "local-sfn-"));
    baseline = activeResources();
    stepFunctions = new LocalStepFunctions({
      clock,
      invokeLambda,
      stateFile: join(stateDir, "stepfunctions.json"),
      log: (entry) => logs.push(entry),
      refuseTaskCall: () => refusal,
      stateMachines: [
        { arn: BACKORDER_ARN, name: "Backorder", definition: backorderDefinition },
        { arn: PAUSE_ARN, name: "Pause", definition: pauseDefinition },
        { arn: SLOW_ARN, name: "Slow", definition: slowDefinition },
      ],
    });
    stepFunctions.startAnnouncing(async (event) => {
      announced.push(event);
    });
    port = await freePort();
    const { endpoint } = await stepFunctions.listen(port);
    client = new SFNClient({
      endpoint,
      region: "us-east-1",
      credentials: { accessKeyId: "local", secretAccessKey: "local" },
      maxAttempts: 1,
    });
  });

  afterAll(async () => {
    client?.destroy();
    await stepFunctions?.close();
    clock.stop();
    if (stateDir) await rm(stateDir, { recursive: true, force: true });
  });

  it("parks in the callback task, then SendTaskSuccess resumes it to success", async () => {
    const { executionArn, token } = await startParked("L1");
    expect(executionArn).toBe(
      `arn:aws:states:us-east-1:${ACCOUNT}:execution:Backorder:${executionArn.split(":").at(-1)}`,
    );
    expect(await lastEnteredState(executionArn)).toBe("ReserveSupply");
    expect((await describeExecution(executionArn)).status).toBe("RUNNING");
    expect(callsTo("Register").at(-1)?.payload).toEqual({ lineId: "L1", taskToken: token });
    expect(token).not.toContain("$$");

    await client.send(
      new SendTaskSuccessCommand({ taskToken: token, output: JSON.stringify({ qty: 3 }) }),
    );

    const done = await finalStatus(executionArn);
    expect(done.status).toBe("SUCCEEDED");
    expect(JSON.parse(done.output ?? "null")).toEqual({
      lineId: "L1",
      waitSeconds: FOREVER,
      supply: { qty: 3 },
      fill: { r: { filled: "L1", qty: 3 } },
    });
    expect(done.stopDate).toBeInstanceOf(Date);
    const types = (await history(executionArn)).map((e) => e.type);
    expect(types[0]).toBe("ExecutionStarted");
    expect(types).toContain("TaskSucceeded");
    expect(types.at(-1)).toBe("ExecutionSucceeded");
    // The token's task is over: AWS answers TaskTimedOut for it.
    await expect(
      client.send(new SendTaskSuccessCommand({ taskToken: token, output: "{}" })),
    ).rejects.toBeInstanceOf(TaskTimedOut);
  });

  it("pages GetExecutionHistory as AWS does: 100 events unless asked, at most 1000, then a token", async () => {
    const { executionArn, token } = await startParked("L-PAGES");
    await client.send(new SendTaskSuccessCommand({ taskToken: token, output: "{}" }));
    await finalStatus(executionArn);
    const whole = await client.send(
      new GetExecutionHistoryCommand({ executionArn, maxResults: 1000 }),
    );
    const all = whole.events ?? [];
    expect(all.length).toBeGreaterThan(4);
    expect(whole.nextToken).toBeUndefined();
    const paged: typeof all = [];
    let nextToken: string | undefined;
    do {
      const out = await client.send(
        new GetExecutionHistoryCommand({ executionArn, maxResults: 3, nextToken }),
      );
      expect((out.events ?? []).length).toBeLessThanOrEqual(3);
      paged.push(...(out.events ?? []));
      nextToken = out.nextToken;
    } while (nextToken);
    expect(paged.map((e) => e.id)).toEqual(all.map((e) => e.id));
    await expect(
      client.send(new GetExecutionHistoryCommand({ executionArn, maxResults: 1001 })),
    ).rejects.toMatchObject({ name: "ValidationException" });
    await expect(
      client.send(new GetExecutionHistoryCommand({ executionArn, nextToken: "bm90LWEtdG9rZW4" })),
    ).rejects.toMatchObject({ name: "InvalidToken" });
  });

  it("the engine's wake-up resumes a parked line with the token it was given, or, when that one is stale, with the one the line has now", async () => {
    Object.assign(process.env, {
      AWS_ENDPOINT_URL_SFN: `http://127.0.0.1:${port}`,
      AWS_REGION: process.env.AWS_REGION ?? "us-east-1",
      AWS_ACCESS_KEY_ID: process.env.AWS_ACCESS_KEY_ID ?? "local",
      AWS_SECRET_ACCESS_KEY: process.env.AWS_SECRET_ACCESS_KEY ?? "local",
    });
    const reads: string[] = [];
    const signals = sfnLineSignals({
      getWaitToken: async (_orderId, lineId) => {
        reads.push(lineId);
        return tokens.get(lineId) ?? null;
      },
    });

    // The token read with the line is current: one SendTaskSuccess, no read.
    const one = await startParked("W1");
    expect(await signals.wake("o", "W1", "allocated", one.token)).toBe("woken");
    expect(reads).toEqual([]);
    expect((await finalStatus(one.executionArn)).status).toBe("SUCCEEDED");

    // A stale one (its task is over): the recorded token is read and resumes the line.
    const two = await startParked("W2");
    expect(await signals.wake("o", "W2", "allocated", one.token)).toBe("woken");
    expect(reads).toEqual(["W2"]);
    expect((await finalStatus(two.executionArn)).status).toBe("SUCCEEDED");

    // Nothing parked on either: not parked, and the recorded token is not sent twice.
    expect(await signals.wake("o", "W2", "allocated", two.token)).toBe("not-parked");
    expect(await signals.wake("o", "W2", "allocated")).toBe("not-parked");
  });

  it("keeps a task waiting past the library's hidden 60 s default timeout", async () => {
    // aws-local-stepfunctions arms setTimeout(TimeoutSeconds || 60 s) per task; the endpoint
    // hands it the largest delay Node accepts and enforces the real timeout itself.
    const spy = vi.spyOn(globalThis, "setTimeout");
    let delays: unknown[];
    try {
      await startParked("L-hidden");
      delays = spy.mock.calls.map((call) => call[1]);
    } finally {
      spy.mockRestore();
    }
    expect(delays).toContain(2_147_483_000);
    expect(delays).not.toContain(60_000);
  });

  it("times the task out on the virtual clock and takes the Catch path", async () => {
    const { executionArn, token } = await startParked("L2", 86_400);
    await clock.advance(86_000);
    await stepFunctions.waitForIdle();
    expect((await describeExecution(executionArn)).status).toBe("RUNNING");
    expect(await lastEnteredState(executionArn)).toBe("ReserveSupply");
    expect(callsTo("OnTimeout")).toHaveLength(0);

    await clock.advance(401);

    const done = await finalStatus(executionArn);
    expect(done.status).toBe("SUCCEEDED");
    const output = JSON.parse(done.output ?? "null") as Record<string, unknown>;
    expect(output.expired).toEqual({ expiredLine: "L2" });
    expect((output.error as { Error: string }).Error).toBe("States.Timeout");
    expect(callsTo("OnTimeout").map((c) => c.payload.lineId)).toEqual(["L2"]);
    expect((await history(executionArn)).map((e) => e.type)).toContain("TaskTimedOut");
    await expect(
      client.send(new SendTaskSuccessCommand({ taskToken: token, output: '{"qty":1}' })),
    ).rejects.toBeInstanceOf(TaskTimedOut);
  });

  it("routes SendTaskFailure to the Catch for its error", async () => {
    const { executionArn, token } = await startParked("L3");
    await client.send(
      new SendTaskFailureCommand({
        taskToken: token,
        error: "SupplyCancelled",
        cause: "supplier withdrew",
      }),
    );
    const done = await finalStatus(executionArn);
    expect(done.status).toBe("FAILED");
    expect(done.error).toBe("Backorder.Cancelled");
    expect(done.cause).toBe("The supply request was cancelled");
    expect(callsTo("RecordCancel").at(-1)?.payload.error).toEqual({
      Error: "SupplyCancelled",
      Cause: "supplier withdrew",
    });
  });

  it("fails the execution with the Lambda's error when nothing catches it", async () => {
    const { executionArn, token } = await startParked("declined");
    await client.send(new SendTaskSuccessCommand({ taskToken: token, output: '{"qty":1}' }));
    const done = await finalStatus(executionArn);
    expect(done.status).toBe("FAILED");
    expect(done.error).toBe("PaymentDeclined");
    expect(done.cause).toBe("card ending 4242 was declined");
    expect((await history(executionArn)).at(-1)?.type).toBe("ExecutionFailed");
  });

  it("times a task's retries on the virtual clock (IntervalSeconds, BackoffRate)", async () => {
    flakyFailures = 2;
    const { executionArn, token } = await startParked("flaky");
    await client.send(new SendTaskSuccessCommand({ taskToken: token, output: '{"qty":1}' }));
    await until(() =>
      callsTo("Fill").filter((c) => c.payload.lineId === "flaky").length ? 1 : undefined,
    );
    const fills = () => callsTo("Fill").filter((c) => c.payload.lineId === "flaky").length;
    // Failed once; the retry waits IntervalSeconds (2 s) on the virtual clock, however long
    // real time takes here: it does not start before the clock gets there.
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(fills()).toBe(1);
    await clock.advance(2);
    await until(() => (fills() === 2 ? true : undefined));
    // Failed again: the next waits 2 × BackoffRate = 4 s.
    await clock.advance(3);
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(fills()).toBe(2);
    await clock.advance(1);
    const done = await finalStatus(executionArn);
    expect(fills()).toBe(3);
    expect(done.status).toBe("SUCCEEDED");
    const types = (await history(executionArn)).map((e) => e.type);
    expect(types.filter((t) => t === "TaskFailed")).toHaveLength(2);
    expect(types.filter((t) => t === "TaskScheduled")).toHaveLength(4);
  });

  it("answers SendTaskSuccess as a throttled AWS does while told to, then serves it", async () => {
    const { executionArn, token } = await startParked("L-throttled");
    const send = () =>
      client.send(new SendTaskSuccessCommand({ taskToken: token, output: '{"qty":1}' }));
    refusal = "ThrottlingException";
    await expect(send()).rejects.toMatchObject({
      name: "ThrottlingException",
      $metadata: { httpStatusCode: 400 },
    });
    refusal = "ServiceUnavailable";
    await expect(send()).rejects.toMatchObject({ $metadata: { httpStatusCode: 503 } });
    refusal = undefined;
    expect((await describeExecution(executionArn)).status).toBe("RUNNING");
    await send();
    expect((await finalStatus(executionArn)).status).toBe("SUCCEEDED");
  });

  it("rejects unknown tokens and invalid output", async () => {
    await expect(
      client.send(new SendTaskSuccessCommand({ taskToken: "not-a-token", output: "{}" })),
    ).rejects.toBeInstanceOf(InvalidToken);
    await expect(
      client.send(new SendTaskFailureCommand({ taskToken: "not-a-token", error: "X" })),
    ).rejects.toBeInstanceOf(InvalidToken);

    const { executionArn, token } = await startParked("L4");
    await expect(
      client.send(new SendTaskSuccessCommand({ taskToken: token, output: "{not json" })),
    ).rejects.toBeInstanceOf(InvalidOutput);
    expect((await describeExecution(executionArn)).status).toBe("RUNNING");
    await client.send(new StopExecutionCommand({ executionArn }));
  });

  it("StopExecution aborts the run and retires its token", async () => {
    const { executionArn, token } = await startParked("L5");
    const waitingBefore = stepFunctions.waitingTaskCount();
    const stopped = await client.send(
      new StopExecutionCommand({
        executionArn,
        error: "Customer.Cancelled",
        cause: "changed their mind",
      }),
    );
    expect(stopped.stopDate).toBeInstanceOf(Date);
    const out = await describeExecution(executionArn);
    expect(out.status).toBe("ABORTED");
    expect(out.error).toBe("Customer.Cancelled");
    expect(out.cause).toBe("changed their mind");
    expect(stepFunctions.waitingTaskCount()).toBe(waitingBefore - 1);
    await expect(
      client.send(new SendTaskSuccessCommand({ taskToken: token, output: "{}" })),
    ).rejects.toBeInstanceOf(TaskTimedOut);
    expect(await stepFunctions.waitForExecution(executionArn)).toBe("ABORTED");
    expect((await history(executionArn)).at(-1)?.type).toBe("ExecutionAborted");

    // Announced as EventBridge's "Step Functions Execution Status Change".
    const event = await until(() => announced.find((e) => e.resources[0] === executionArn));
    expect(event).toMatchObject({
      version: "0",
      "detail-type": "Step Functions Execution Status Change",
      source: "aws.states",
      account: ACCOUNT,
      region: "us-east-1",
      resources: [executionArn],
      detail: {
        executionArn,
        stateMachineArn: BACKORDER_ARN,
        name: executionArn.split(":").at(-1),
        status: "ABORTED",
        startDate: out.startDate?.getTime(),
        stopDate: out.stopDate?.getTime(),
        input: JSON.stringify({ lineId: "L5", waitSeconds: FOREVER }),
        error: "Customer.Cancelled",
        cause: "changed their mind",
        output: null,
      },
    });
    expect(event.id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
    expect(Date.parse(event.time)).toBeGreaterThan(0);
    expect(stepFunctions.execution(executionArn)?.announced).toBe(true);
  });

  it("announces a failed execution, never one that succeeded", async () => {
    const failed = announced.filter((e) => e.detail.status === "FAILED");
    expect(failed.map((e) => e.detail.error)).toContain("PaymentDeclined");
    expect(announced.map((e) => e.detail.status)).not.toContain("SUCCEEDED");
  });

  it("StartExecution is idempotent for the same name and input only", async () => {
    const input = { lineId: "L6", waitSeconds: FOREVER };
    const first = await start(input, "line-L6");
    expect(first).toBe(`arn:aws:states:us-east-1:${ACCOUNT}:execution:Backorder:line-L6`);
    expect(await start(input, "line-L6")).toBe(first);
    await expect(start({ ...input, other: 1 }, "line-L6")).rejects.toBeInstanceOf(
      ExecutionAlreadyExists,
    );
    await until(() => tokens.get("L6"));
    expect(callsTo("Register").filter((c) => c.payload.lineId === "L6")).toHaveLength(1);

    const listed = await client.send(
      new ListExecutionsCommand({ stateMachineArn: BACKORDER_ARN, statusFilter: "RUNNING" }),
    );
    expect(listed.executions?.map((e) => e.executionArn)).toContain(first);

    await client.send(new StopExecutionCommand({ executionArn: first }));
    await expect(start(input, "line-L6")).rejects.toBeInstanceOf(ExecutionAlreadyExists);
    const aborted = await client.send(
      new ListExecutionsCommand({ stateMachineArn: BACKORDER_ARN, statusFilter: "ABORTED" }),
    );
    expect(aborted.executions?.map((e) => e.executionArn)).toContain(first);
  });

  it("answers AWS errors for unknown or invalid requests", async () => {
    await expect(
      describeExecution(`arn:aws:states:us-east-1:${ACCOUNT}:execution:Backorder:nope`),
    ).rejects.toBeInstanceOf(ExecutionDoesNotExist);
    await expect(
      start({}, undefined, `arn:aws:states:us-east-1:${ACCOUNT}:stateMachine:Nope`),
    ).rejects.toBeInstanceOf(StateMachineDoesNotExist);
    await expect(start({}, "bad name")).rejects.toBeInstanceOf(InvalidName);
    await expect(
      client.send(new StartExecutionCommand({ stateMachineArn: BACKORDER_ARN, input: "{oops" })),
    ).rejects.toBeInstanceOf(InvalidExecutionInput);
  });

  it("runs Wait states on the virtual clock and fills the context object", async () => {
    const executionArn = await start({ delay: 7200 }, "pause-1", PAUSE_ARN);
    await stepFunctions.waitForIdle();
    expect(await lastEnteredState(executionArn)).toBe("Pause");
    const startDate = (await describeExecution(executionArn)).startDate as Date;
    const before = clock.nowMs();

    await clock.advance(7201);

    const done = await finalStatus(executionArn);
    expect(done.status).toBe("SUCCEEDED");
    const output = JSON.parse(done.output ?? "null") as { seen: unknown; atMs: number };
    expect(output.seen).toEqual({
      name: "pause-1",
      id: executionArn,
      start: startDate.toISOString(),
      state: "Describe",
      input: { delay: 7200 },
      delay: 7200,
    });
    expect(output.atMs).toBeGreaterThanOrEqual(before + 7200_000);
  });

  it("times an execution out on the virtual clock (top-level TimeoutSeconds)", async () => {
    const executionArn = await start({}, undefined, SLOW_ARN);
    await stepFunctions.waitForIdle();
    await clock.advance(601);
    const done = await finalStatus(executionArn);
    expect(done.status).toBe("TIMED_OUT");
    expect((await history(executionArn)).at(-1)?.type).toBe("ExecutionTimedOut");
    const event = await until(() => announced.find((e) => e.resources[0] === executionArn));
    expect(event.detail).toMatchObject({ status: "TIMED_OUT", error: "States.Timeout" });
  });

  it("persists records and marks RUNNING ones aborted after a restart", async () => {
    const { executionArn } = await startParked("L7");
    const restarted = new LocalStepFunctions({
      clock,
      invokeLambda,
      stateFile: join(stateDir, "stepfunctions.json"),
      stateMachines: [{ arn: BACKORDER_ARN, name: "Backorder", definition: backorderDefinition }],
    });
    try {
      const record = restarted.execution(executionArn);
      expect(record?.status).toBe("ABORTED");
      expect(record?.error).toBe("Local.StackRestarted");
      expect(
        restarted.execution(`arn:aws:states:us-east-1:${ACCOUNT}:execution:Backorder:line-L6`)
          ?.status,
      ).toBe("ABORTED");
    } finally {
      await restarted.close();
    }
    expect((await describeExecution(executionArn)).status).toBe("RUNNING");
    expect(
      logs.some(
        (entry) => entry.executionArn === executionArn && entry.type === "TaskStateEntered",
      ),
    ).toBe(true);
  });

  it("close() aborts running executions and leaves no timers or sockets", async () => {
    const { executionArn } = await startParked("L8", 3600);
    expect(clock.pendingTimers()).toBeGreaterThan(0);
    client.destroy();
    await stepFunctions.close();
    expect(stepFunctions.execution(executionArn)?.status).toBe("ABORTED");
    expect(stepFunctions.execution(executionArn)?.error).toBe("Local.StackStopped");
    expect(stepFunctions.runningCount()).toBe(0);
    expect(stepFunctions.waitingTaskCount()).toBe(0);
    expect(clock.pendingTimers()).toBe(0);
    const after = activeResources();
    for (const kind of ["Timeout", "TCPServerWrap", "TCPSocketWrap"]) {
      expect(after.get(kind) ?? 0, kind).toBeLessThanOrEqual(baseline.get(kind) ?? 0);
    }
    expect(await isListening(port)).toBe(false);
  });
});

describe("status-change events across restarts of the local endpoint", () => {
  const clock = new VirtualClock();
  let stateDir: string;
  const tokens = new Map<string, string>();
  const endpoints: LocalStepFunctions[] = [];

  /** An endpoint on the saved records, as a stack start makes one. */
  function endpoint(): LocalStepFunctions {
    const sfn = new LocalStepFunctions({
      clock,
      stateFile: join(stateDir, "stepfunctions.json"),
      stateMachines: [{ arn: BACKORDER_ARN, name: "Backorder", definition: backorderDefinition }],
      invokeLambda: async (_arn, payload) => {
        const body = payload as { lineId: string; taskToken?: string };
        if (body.taskToken) tokens.set(body.lineId, body.taskToken);
        return {};
      },
    });
    endpoints.push(sfn);
    return sfn;
  }

  async function parked(sfn: LocalStepFunctions, lineId: string): Promise<string> {
    const port = await freePort();
    const { endpoint: url } = await sfn.listen(port);
    const client = new SFNClient({
      endpoint: url,
      region: "us-east-1",
      credentials: { accessKeyId: "local", secretAccessKey: "local" },
      maxAttempts: 1,
    });
    const out = await client.send(
      new StartExecutionCommand({
        stateMachineArn: BACKORDER_ARN,
        name: lineId,
        input: JSON.stringify({ lineId, waitSeconds: FOREVER }),
      }),
    );
    client.destroy();
    await until(() => tokens.get(lineId));
    return out.executionArn as string;
  }

  beforeAll(async () => {
    stateDir = await mkdtemp(join(tmpdir(), "local-sfn-events-"));
  });

  afterAll(async () => {
    for (const sfn of endpoints) await sfn.close();
    clock.stop();
    await rm(stateDir, { recursive: true, force: true });
  });

  it("delivers what a stop or a kill left unannounced once the next start announces, and only then", async () => {
    // A stack stopped: its executions end ABORTED while nothing can take their events.
    const first = endpoint();
    const stoppedArn = await parked(first, "S1");
    await first.close();
    expect(first.execution(stoppedArn)).toMatchObject({ status: "ABORTED", announced: false });

    // A stack killed: the records still say RUNNING; the next start aborts them.
    const second = endpoint();
    const killedArn = await parked(second, "K1");
    await second.kill();
    const third = endpoint();
    expect(third.execution(killedArn)).toMatchObject({ status: "ABORTED", announced: false });

    // Nothing goes out before the stack says it is ready; then both do, oldest first.
    const events: BusEvent[] = [];
    let refuse = true;
    third.startAnnouncing(async (event) => {
      events.push(event);
      if (refuse) throw new Error("the target is down");
    });
    await until(() => (events.length >= 2 ? true : undefined));
    expect(events.map((e) => e.resources[0])).toEqual([stoppedArn, killedArn]);
    expect(events.map((e) => e.detail.error)).toEqual([
      "Local.StackStopped",
      "Local.StackRestarted",
    ]);
    // Not delivered: still owed, also to the start after this one.
    expect(third.execution(stoppedArn)?.announced).toBe(false);
    await third.close();

    refuse = false;
    const fourth = endpoint();
    const delivered: BusEvent[] = [];
    fourth.startAnnouncing(async (event) => {
      delivered.push(event);
    });
    await until(() => (fourth.execution(killedArn)?.announced ? true : undefined));
    expect(delivered.map((e) => e.id)).toEqual(events.map((e) => e.id));
    expect(fourth.execution(stoppedArn)?.announced).toBe(true);
    await fourth.close();

    // Delivered: the next start owes nothing.
    const fifth = endpoint();
    const again: BusEvent[] = [];
    fifth.startAnnouncing(async (event) => {
      again.push(event);
    });
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(again).toEqual([]);
  });
});
