import { createRequire } from "node:module";
import { beforeAll, describe, expect, it } from "vitest";
import { readStackTemplate } from "../../infra/assembly.ts";
import {
  EMAILS_PER_STEP,
  LINE_STATES,
  WORKFLOW_FUNCTIONS,
} from "../../infra/constructs/line-workflow.ts";
import type { CfnTemplate } from "../../infra/local/cfn.ts";
import { type LocalModel, localModel } from "../../infra/local/template.ts";
import { LINE_STATUSES } from "../../shared/domain/line-states.ts";
import { EMAIL_CLAIM_LEASE_MS, EMAIL_SEND_ATTEMPTS } from "../../shared/domain/notifications.ts";
import { WAIT_STATUS, WAITS } from "../../shared/domain/waits.ts";

interface AslValidation {
  isValid: boolean;
  errors: { "Error code": string; Message: string }[];
  errorsText: (separator?: string) => string;
}
// asl-validator 4 is CommonJS without type declarations.
const aslValidator = createRequire(import.meta.url)("asl-validator") as (
  definition: unknown,
  options?: { checkPaths?: boolean; checkArn?: boolean },
) => AslValidation;

type Json = Record<string, unknown>;
interface State extends Json {
  Type: string;
  TimeoutSecondsPath?: string;
  Next?: string;
  End?: boolean;
  Default?: string;
  Choices?: ChoiceRule[];
  Catch?: { ErrorEquals: string[]; Next: string; ResultPath?: string }[];
  Resource?: string;
  Parameters?: Json;
}
interface ChoiceRule extends Json {
  Next?: string;
  Variable?: string;
  StringEquals?: string;
  And?: ChoiceRule[];
  Or?: ChoiceRule[];
  Not?: ChoiceRule;
}
interface Definition {
  StartAt: string;
  States: Record<string, State>;
}

/** Every `"x.$": "<path>"` value anywhere in an object. */
function pathValues(value: unknown): string[] {
  if (Array.isArray(value)) return value.flatMap(pathValues);
  if (value === null || typeof value !== "object") return [];
  return Object.entries(value).flatMap(([k, v]) =>
    k.endsWith(".$") && typeof v === "string" ? [v] : pathValues(v),
  );
}

function transitionsOf(state: State): string[] {
  return [
    ...(state.Next ? [state.Next] : []),
    ...(state.Default ? [state.Default] : []),
    ...(state.Choices ?? []).map((c) => c.Next).filter((n): n is string => Boolean(n)),
    ...(state.Catch ?? []).map((c) => c.Next),
  ];
}

let model: LocalModel;
let definition: Definition;
let bulkDefinition: Definition;

beforeAll(() => {
  // The template `cdk synth` wrote to cdk.out (global-setup.ts).
  model = localModel(readStackTemplate<CfnTemplate>(), { apiUrl: "http://127.0.0.1:3000" });
  const machine = model.stateMachines.find((m) => m.logicalId.startsWith("LineWorkflow"));
  bulkDefinition = model.stateMachines.find((m) => m.logicalId.startsWith("BulkWorkflow"))
    ?.definition as unknown as Definition;
  definition = machine?.definition as unknown as Definition;
});

function state(name: string): State {
  const found = definition.States[name];
  if (!found) throw new Error(`no state ${name}`);
  return found;
}

interface Retrier {
  ErrorEquals: string[];
  IntervalSeconds?: number;
  MaxAttempts?: number;
  BackoffRate?: number;
  MaxDelaySeconds?: number;
  JitterStrategy?: string;
}

function retriesOf(name: string): Retrier[] {
  return (state(name).Retry ?? []) as Retrier[];
}

describe("line state machine ASL", () => {
  it("is one of two state machines (line, bulk), each resolving to plain, valid ASL", () => {
    expect(model.stateMachines).toHaveLength(2);
    for (const d of [definition, bulkDefinition]) {
      expect(JSON.stringify(d)).not.toMatch(/Fn::|"Ref"|\[object Object\]/);
      expect(aslValidator(structuredClone(d)).errors).toEqual([]);
    }
  });

  it("is valid Amazon States Language", () => {
    const result = aslValidator(structuredClone(definition));
    expect(result.errors).toEqual([]);
    expect(result.isValid).toBe(true);
  });

  it("would catch a broken definition (the validator is live)", () => {
    const broken = structuredClone(definition);
    const park = broken.States[LINE_STATES.park];
    if (park) park.Next = "NoSuchState";
    expect(aslValidator(broken).isValid).toBe(false);
  });

  it("is one working step and two waits: advance, done?, park or wait for a turn, finished", () => {
    expect(definition.StartAt).toBe(LINE_STATES.advance);
    expect(Object.keys(definition.States).sort()).toEqual(Object.values(LINE_STATES).sort());
  });

  it("reaches every state from the start", () => {
    const seen = new Set([definition.StartAt]);
    const queue = [definition.StartAt];
    for (let name = queue.shift(); name !== undefined; name = queue.shift()) {
      for (const next of transitionsOf(state(name))) {
        if (!seen.has(next)) {
          seen.add(next);
          queue.push(next);
        }
      }
    }
    expect([...seen].sort()).toEqual(Object.keys(definition.States).sort());
  });

  it("invokes the right function from each task", () => {
    const arnOf = (name: string) => model.functions.find((f) => f.name === name)?.arn;
    const taskFunction = (s: State) =>
      s.Resource?.startsWith("arn:aws:states:::") ? s.Parameters?.FunctionName : s.Resource;
    expect(taskFunction(state(LINE_STATES.advance))).toBe(arnOf("advance-line"));
    expect(taskFunction(state(LINE_STATES.park))).toBe(arnOf("park-line"));
    const invoked = Object.values(definition.States)
      .filter((s) => s.Type === "Task")
      .map((s) => model.functions.find((f) => f.arn === taskFunction(s))?.name);
    expect([...new Set(invoked)].sort()).toEqual([...WORKFLOW_FUNCTIONS].sort());
  });
});

describe("the working step", () => {
  it("gets the line and the execution's state, and puts its answer beside them", () => {
    const advance = state(LINE_STATES.advance);
    // Invoked by ARN (payloadResponseOnly): its Parameters are the payload.
    expect(pathValues(advance.Parameters)).toEqual(
      expect.arrayContaining(["$.orderId", "$.lineId", "$", "$$.StateMachine.Id"]),
    );
    expect(advance.ResultPath).toBe("$.step");
    expect(advance.Next).toBe(LINE_STATES.done);
  });

  it("ends the execution when the line waits for nothing, waits for a turn it holds, else parks it", () => {
    const done = state(LINE_STATES.done);
    expect(done.Type).toBe("Choice");
    expect(done.Choices).toEqual([
      expect.objectContaining({
        Variable: "$.step.wait",
        IsNull: true,
        Next: LINE_STATES.finished,
      }),
      expect.objectContaining({
        Variable: "$.step.turn",
        IsPresent: true,
        Next: LINE_STATES.turn,
      }),
    ]);
    expect(done.Default).toBe(LINE_STATES.park);
    expect(state(LINE_STATES.finished).Type).toBe("Succeed");
  });

  it("waits for a turn at a rate in a Wait state (no Lambda waits), then advances in it", () => {
    const turn = state(LINE_STATES.turn) as State & { SecondsPath?: string };
    expect(turn.Type).toBe("Wait");
    expect(turn.SecondsPath).toBe("$.step.waitSeconds");
    expect(turn.Next).toBe(LINE_STATES.advance);
  });

  it("waits out an email another attempt is sending: never before its claim's lease ends", () => {
    const inFlight = retriesOf(LINE_STATES.advance).find((r) =>
      r.ErrorEquals.includes("NotificationInFlight"),
    );
    const leaseSeconds = EMAIL_CLAIM_LEASE_MS / 1000;
    expect(inFlight?.IntervalSeconds).toBeGreaterThanOrEqual(leaseSeconds);
    expect(inFlight?.JitterStrategy ?? "NONE").toBe("NONE");
    expect((inFlight?.MaxAttempts ?? 0) * (inFlight?.IntervalSeconds ?? 0)).toBeGreaterThan(
      2 * leaseSeconds,
    );
  });

  it("retries a step whose email was refused with back-off and full jitter, over minutes, until the email's sends run out", () => {
    const retries = retriesOf(LINE_STATES.advance);
    const index = retries.findIndex((r) => r.ErrorEquals.includes("EmailNotSent"));
    const email = retries[index] as Retrier;
    expect(email.JitterStrategy).toBe("FULL");
    expect(email.BackoffRate).toBeGreaterThan(1);
    expect(email.MaxDelaySeconds).toBeGreaterThan(0);
    // The longest the retries of one email's sends may wait (before jitter): minutes.
    const waits = Array.from({ length: EMAIL_SEND_ATTEMPTS - 1 }, (_, i) =>
      Math.min(
        (email.IntervalSeconds ?? 1) * (email.BackoffRate ?? 2) ** i,
        email.MaxDelaySeconds ?? Number.POSITIVE_INFINITY,
      ),
    );
    const span = waits.reduce((a, b) => a + b, 0);
    expect(span).toBeGreaterThanOrEqual(180);
    expect(span).toBeLessThanOrEqual(900);
    // Enough runs for every email a step may owe to use up its sends and be recorded failed:
    // the step then goes on, and the line never fails because of an email.
    expect(email.MaxAttempts).toBeGreaterThanOrEqual(EMAILS_PER_STEP * EMAIL_SEND_ATTEMPTS);
    // Matched before the catch-all of task failures, which would give up sooner.
    const catchAll = retries.findIndex((r) => r.ErrorEquals.includes("States.TaskFailed"));
    expect(index).toBeGreaterThanOrEqual(0);
    expect(index).toBeLessThan(catchAll);
  });

  it("retries throttling with backoff, full jitter and a cap, in both tasks", () => {
    for (const name of [LINE_STATES.advance, LINE_STATES.park]) {
      const throttled = retriesOf(name).find((r) =>
        r.ErrorEquals.includes("Lambda.TooManyRequestsException"),
      );
      expect(throttled, name).toBeDefined();
      expect(throttled?.ErrorEquals).toEqual(expect.arrayContaining(["ThrottlingException"]));
      expect(throttled?.JitterStrategy, name).toBe("FULL");
      expect(throttled?.MaxDelaySeconds, name).toBeGreaterThan(0);
      expect(throttled?.BackoffRate, name).toBeGreaterThan(1);
    }
  });
});

describe("the wait", () => {
  it("parks on a task token through Lambda, for what the step said, as long as it said", () => {
    const park = state(LINE_STATES.park);
    expect(park.Type).toBe("Task");
    expect(park.Resource).toBe("arn:aws:states:::lambda:invoke.waitForTaskToken");
    const payload = park.Parameters?.Payload as Json;
    expect(pathValues(payload)).toEqual(
      expect.arrayContaining(["$$.Task.Token", "$.orderId", "$.lineId", "$.step.wait"]),
    );
    expect(park.TimeoutSecondsPath).toBe("$.step.waitSeconds");
    expect(park.TimeoutSeconds).toBeUndefined();
  });

  it("advances the line again when woken, told it changed, or out of time", () => {
    const park = state(LINE_STATES.park);
    expect(park.Next).toBe(LINE_STATES.advance);
    const catches = park.Catch ?? [];
    for (const error of ["LineChanged", "States.Timeout"]) {
      const c = catches.find((x) => x.ErrorEquals.includes(error));
      expect(c?.Next, error).toBe(LINE_STATES.advance);
      // Beside the input, so $.orderId and $.lineId survive the loop.
      expect(String(c?.ResultPath), error).toMatch(/^\$\.\w+$/);
    }
    expect(String(park.ResultPath)).toMatch(/^\$\.\w+$/);
  });

  it("parks only for waits the domain knows, each in the status it waits in", () => {
    for (const wait of WAITS) expect(LINE_STATUSES).toContain(WAIT_STATUS[wait]);
  });
});
