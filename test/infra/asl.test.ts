import { createRequire } from "node:module";
import { beforeAll, describe, expect, it } from "vitest";
import { readStackTemplate } from "../../infra/assembly.ts";
import { LINE_STATES, WORKFLOW_FUNCTIONS } from "../../infra/constructs/line-workflow.ts";
import type { CfnTemplate } from "../../infra/local/cfn.ts";
import { type LocalModel, localModel } from "../../infra/local/template.ts";
import {
  isLineStatus,
  LINE_STATUSES,
  type LineStatus,
  TERMINAL_LINE_STATUSES,
} from "../../shared/domain/line-states.ts";

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

const STATUS_VARIABLE = "$.line.status";

/** The statuses a choice rule (with its nested And/Or/Not) compares `$.line.status` to. */
function statusesIn(rule: ChoiceRule): string[] {
  const own =
    rule.Variable === STATUS_VARIABLE && rule.StringEquals !== undefined ? [rule.StringEquals] : [];
  const nested = [...(rule.And ?? []), ...(rule.Or ?? []), ...(rule.Not ? [rule.Not] : [])];
  return [...own, ...nested.flatMap(statusesIn)];
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

beforeAll(() => {
  // The template `cdk synth` wrote to cdk.out (global-setup.ts).
  model = localModel(readStackTemplate<CfnTemplate>(), { apiUrl: "http://127.0.0.1:3000" });
  const [machine] = model.stateMachines;
  definition = machine?.definition as unknown as Definition;
});

function state(name: string): State {
  const found = definition.States[name];
  if (!found) throw new Error(`no state ${name}`);
  return found;
}

function choiceStates(): [string, State][] {
  return Object.entries(definition.States).filter(([, s]) => s.Type === "Choice");
}

describe("line state machine ASL", () => {
  it("is one state machine whose definition resolves to plain JSON", () => {
    expect(model.stateMachines).toHaveLength(1);
    expect(JSON.stringify(definition)).not.toMatch(/Fn::|"Ref"|\[object Object\]/);
  });

  it("is valid Amazon States Language", () => {
    const result = aslValidator(structuredClone(definition));
    expect(result.errors).toEqual([]);
    expect(result.isValid).toBe(true);
  });

  it("would catch a broken definition (the validator is live)", () => {
    const broken = structuredClone(definition);
    const load = broken.States[LINE_STATES.load];
    if (load) load.Next = "NoSuchState";
    expect(aslValidator(broken).isValid).toBe(false);
  });

  it("has every state the workflow names, starting with the new-line choice", () => {
    expect(definition.StartAt).toBe(LINE_STATES.start);
    for (const name of Object.values(LINE_STATES))
      expect(Object.keys(definition.States)).toContain(name);
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
    expect(taskFunction(state(LINE_STATES.notifyBackordered))).toBe(arnOf("notify-backordered"));
    expect(taskFunction(state(LINE_STATES.load))).toBe(arnOf("load-line"));
    expect(taskFunction(state(LINE_STATES.waitForStock))).toBe(arnOf("park-line"));
    expect(taskFunction(state(LINE_STATES.escalate))).toBe(arnOf("escalate-line"));
    expect(taskFunction(state(LINE_STATES.charge))).toBe(arnOf("charge-line"));
    const invoked = Object.values(definition.States)
      .filter((s) => s.Type === "Task")
      .map((s) => model.functions.find((f) => f.arn === taskFunction(s))?.name);
    expect([...new Set(invoked)].sort()).toEqual([...WORKFLOW_FUNCTIONS].sort());
  });
});

describe("the machine against the line statuses", () => {
  it("routes on the line status in a Choice state", () => {
    expect(state(LINE_STATES.route).Type).toBe("Choice");
    expect(state(LINE_STATES.load).Next).toBe(LINE_STATES.route);
  });

  it("compares $.line.status only to real line statuses", () => {
    const compared = choiceStates().flatMap(([, s]) => (s.Choices ?? []).flatMap(statusesIn));
    expect(compared.length).toBeGreaterThan(0);
    for (const value of compared) expect(isLineStatus(value), value).toBe(true);
    expect(new Set(compared).size).toBe(compared.length);
  });

  it("sends every status it handles to an existing state, never to a failure", () => {
    const route = state(LINE_STATES.route);
    const handled = new Map<LineStatus, string>();
    for (const rule of route.Choices ?? []) {
      for (const status of statusesIn(rule)) {
        expect(rule.Next, `rule for ${status} has no Next`).toBeDefined();
        handled.set(status as LineStatus, rule.Next as string);
      }
    }
    for (const [status, target] of handled) {
      expect(Object.keys(definition.States), `${status} → ${target}`).toContain(target);
      expect(state(target).Type, `${status} → ${target}`).not.toBe("Fail");
    }
    // Each status goes to the step that moves it on.
    expect(handled.get("backordered")).toBe(LINE_STATES.waitForStock);
    expect(handled.get("allocated")).toBe(LINE_STATES.planShipment);
    expect(handled.get("awaiting_payment")).toBe(LINE_STATES.paymentRetry);
    expect(handled.get("charged")).toBe(LINE_STATES.requestShipment);
    expect(handled.get("shipment_requested")).toBe(LINE_STATES.waitForShipped);
    expect(handled.get("shipped")).toBe(LINE_STATES.notifyShipped);
  });

  it("ends the execution successfully for terminal statuses (after what they owe)", () => {
    const route = state(LINE_STATES.route);
    for (const terminal of TERMINAL_LINE_STATUSES) {
      const rule = (route.Choices ?? []).find((r) => statusesIn(r).includes(terminal));
      expect(rule, `${terminal} is not handled`).toBeDefined();
      let target = state(rule?.Next as string);
      // delivered sends its email first; cancelled settles a charge left in flight first.
      if (target.Type === "Task") target = state(target.Next as string);
      if (target.Type === "Choice") target = state(target.Default as string);
      expect(target.Type, terminal).toBe("Succeed");
    }
    const settle = state(LINE_STATES.settleCharge);
    expect(JSON.stringify(settle.Choices)).toContain(`"Next":"${LINE_STATES.charge}"`);
  });

  it("covers every line status", () => {
    const route = state(LINE_STATES.route);
    const handled = (route.Choices ?? []).flatMap(statusesIn).sort();
    expect(handled).toEqual([...LINE_STATUSES].sort());
  });

  it("reloads the line after every park, whether woken, changed or timed out", () => {
    for (const name of [
      LINE_STATES.waitForStock,
      LINE_STATES.waitForGroup,
      LINE_STATES.waitForPayment,
      LINE_STATES.waitForShipped,
      LINE_STATES.waitForDelivered,
    ]) {
      const wait = state(name);
      expect(wait.Next, name).toBe(LINE_STATES.load);
      expect(wait.Resource, name).toMatch(/waitForTaskToken$/);
      expect(wait.TimeoutSecondsPath, name).toBe("$.line.waitSeconds");
      const catches = wait.Catch ?? [];
      expect(catches.find((c) => c.ErrorEquals.includes("LineChanged"))?.Next, name).toBe(
        LINE_STATES.load,
      );
      expect(
        catches.some((c) => c.ErrorEquals.includes("States.Timeout")),
        name,
      ).toBe(true);
    }
    const paymentTimeout = (state(LINE_STATES.waitForPayment).Catch ?? []).find((c) =>
      c.ErrorEquals.includes("States.Timeout"),
    );
    expect(paymentTimeout?.Next).toBe(LINE_STATES.cancelUnpaid);
  });

  it("fails loudly on a status it does not handle", () => {
    const route = state(LINE_STATES.route);
    expect(route.Default).toBe(LINE_STATES.unhandled);
    expect(state(LINE_STATES.unhandled).Type).toBe("Fail");
  });
});

describe("WaitForStock", () => {
  it("parks on a task token through Lambda", () => {
    const wait = state(LINE_STATES.waitForStock);
    expect(wait.Type).toBe("Task");
    expect(wait.Resource).toBe("arn:aws:states:::lambda:invoke.waitForTaskToken");
    const payload = wait.Parameters?.Payload;
    expect(pathValues(payload)).toContain("$$.Task.Token");
    expect(pathValues(payload)).toEqual(expect.arrayContaining(["$.orderId", "$.lineId"]));
  });

  it("times out at the line's next escalation, read from the loaded line", () => {
    const wait = state(LINE_STATES.waitForStock);
    expect(wait.TimeoutSecondsPath).toBe("$.line.waitSeconds");
    expect(wait.TimeoutSeconds).toBeUndefined();
  });

  it("catches States.Timeout into the escalation, which goes back to loading the line", () => {
    const wait = state(LINE_STATES.waitForStock);
    const onTimeout = (wait.Catch ?? []).find((c) => c.ErrorEquals.includes("States.Timeout"));
    expect(onTimeout?.Next).toBe(LINE_STATES.escalate);
    expect(onTimeout?.ResultPath).not.toBe("$");
    expect(state(LINE_STATES.escalate).Type).toBe("Task");
    expect(state(LINE_STATES.escalate).Next).toBe(LINE_STATES.load);
  });

  it("reloads the line when it is resumed or told the line changed", () => {
    const wait = state(LINE_STATES.waitForStock);
    expect(wait.Next).toBe(LINE_STATES.load);
    const onChange = (wait.Catch ?? []).find((c) => c.ErrorEquals.includes("LineChanged"));
    expect(onChange?.Next).toBe(LINE_STATES.load);
    // Results go beside the input, so $.orderId and $.lineId survive the loop.
    for (const name of [
      LINE_STATES.waitForStock,
      LINE_STATES.escalate,
      LINE_STATES.charge,
      LINE_STATES.load,
    ]) {
      expect(String(state(name).ResultPath), name).toMatch(/^\$\.\w+$/);
    }
  });
});

describe("a line backordered at intake", () => {
  it("starts by making sure of the backordered email, then loads the line", () => {
    const start = state(LINE_STATES.start);
    expect(start.Type).toBe("Choice");
    const branches = JSON.stringify(start.Choices);
    expect(branches).toContain('"Variable":"$.notify"');
    expect(branches).toContain(`"Next":"${LINE_STATES.notifyBackordered}"`);
    expect(start.Default).toBe(LINE_STATES.load);
    const notify = state(LINE_STATES.notifyBackordered);
    expect(notify.Next).toBe(LINE_STATES.load);
    // Its result is discarded, so the input ($.orderId, $.lineId) goes on untouched.
    expect(notify.ResultPath).toBeNull();
  });

  it("waits out an email another attempt is sending, and never blocks the line on email", () => {
    const notify = state(LINE_STATES.notifyBackordered);
    const retry = (notify.Retry ?? []) as { ErrorEquals: string[]; IntervalSeconds?: number }[];
    const inFlight = retry.find((r) => r.ErrorEquals.includes("NotificationInFlight"));
    // The claim lease is two minutes; the retries span more than that.
    expect(inFlight?.IntervalSeconds).toBeGreaterThanOrEqual(60);
    const catchAll = (notify.Catch ?? []).find((c) => c.ErrorEquals.includes("States.ALL"));
    expect(catchAll?.Next).toBe(LINE_STATES.load);
  });
});
