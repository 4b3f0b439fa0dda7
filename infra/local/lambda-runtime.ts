import { randomUUID } from "node:crypto";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import type { Context } from "aws-lambda";
import { type Invocation, invocation } from "../../shared/adapters/local-hooks.ts";
import { meterScope } from "../../shared/adapters/meter.ts";
import { type FunctionName, functionEntry } from "../../shared/http/routes.ts";
import { logger } from "../../shared/logger.ts";
import { repoRoot } from "../paths.ts";

type Handler = (event: unknown, context: Context) => Promise<unknown>;

/** A function's timeout and memory, as Lambda gives them (from the template). */
export interface FunctionLimits {
  timeoutSeconds: number;
  memoryMB: number;
}

/**
 * The error an invocation that ran past its function's timeout fails with. It is the
 * `errorType` Lambda puts in the payload of a timed-out invocation
 * (`{"errorType":"Sandbox.Timedout","errorMessage":"RequestId: … Error: Task timed out
 * after 10.00 seconds"}`, FunctionError "Unhandled"), so it is also the error a Step
 * Functions Lambda task fails with, which `States.TaskFailed` and `States.ALL` match.
 */
export const LAMBDA_TIMED_OUT = "Sandbox.Timedout";

/** Used for a function the template has not told the runtime about (Lambda's maximum). */
const UNKNOWN_FUNCTION: FunctionLimits = { timeoutSeconds: 900, memoryMB: 128 };

export interface LambdaRuntimeOptions {
  /** Asked before each invocation: milliseconds it is to be slowed by (an injected latency
   * fault, faults.ts). The delay counts toward the function's timeout. */
  latencyMs?(name: FunctionName): number;
  /** Loads a function's handler; by default its module under functions/. */
  loadHandler?(name: FunctionName): Promise<Handler>;
}

/**
 * Runs the same handler modules the CDK app deploys, in this process. Each call gets a
 * Lambda-like context with the function's own memory and remaining time; a handler's error
 * is passed on with its `name`, which is what Step Functions catches by.
 *
 * Like Lambda, an invocation that runs past its function's timeout (from the synthesized
 * template, see `configure`) fails with `Sandbox.Timedout`. Loading the module (Lambda's
 * init phase) does not count toward it. Lambda would freeze the sandbox; here the handler
 * goes on in the background and its result is discarded (it still counts as in flight).
 */
export class LocalLambdaRuntime {
  private readonly handlers = new Map<FunctionName, Promise<Handler>>();
  private running = 0;
  private started = 0;
  private byFunction = new Map<FunctionName, number>();
  private timedOutBy = new Map<FunctionName, number>();
  private functions = new Map<FunctionName, FunctionLimits>();
  private enforceTimeouts = true;

  constructor(private readonly options: LambdaRuntimeOptions = {}) {}

  /**
   * Gives each function its timeout and memory (the template's, with `overrides` of the
   * timeout by name), and says whether timeouts are enforced.
   */
  configure(
    functions: readonly ({ name: FunctionName } & FunctionLimits)[],
    settings: {
      timeouts: boolean;
      timeoutSeconds?: Partial<Record<FunctionName, number>>;
    },
  ): void {
    this.enforceTimeouts = settings.timeouts;
    this.functions = new Map(
      functions.map(({ name, timeoutSeconds, memoryMB }) => [
        name,
        { timeoutSeconds: settings.timeoutSeconds?.[name] ?? timeoutSeconds, memoryMB },
      ]),
    );
  }

  /** Each function's timeout and memory, and whether timeouts are enforced. */
  limits(): { timeouts: boolean; functions: Partial<Record<FunctionName, FunctionLimits>> } {
    return { timeouts: this.enforceTimeouts, functions: Object.fromEntries(this.functions) };
  }

  async invoke(name: FunctionName, event: unknown): Promise<unknown> {
    this.running++;
    this.started++;
    this.byFunction.set(name, (this.byFunction.get(name) ?? 0) + 1);
    let handler: Handler;
    try {
      handler = await this.load(name);
    } catch (error) {
      this.running--;
      throw error;
    }
    const limits = this.functions.get(name) ?? UNKNOWN_FUNCTION;
    const timeoutMs = limits.timeoutSeconds * 1000;
    const context = this.context(name, limits, Date.now() + timeoutMs);
    // A fault may crash the invocation right after one of its calls (local-hooks.ts): it
    // then ends there, as a runtime that died, and the rest of it never runs.
    let crashed: (error: Error) => void = () => {};
    const crash = new Promise<never>((_, reject) => {
      crashed = reject;
    });
    const running: Invocation = {
      fn: name,
      crashed: false,
      crash(reason) {
        running.crashed = true;
        crashed(runtimeCrash(reason));
      },
    };
    const run = Promise.race([
      crash,
      (async () => {
        const delay = this.options.latencyMs?.(name) ?? 0;
        if (delay > 0) await new Promise((resolve) => setTimeout(resolve, delay));
        return invocation.run(running, () => meterScope.run(name, () => handler(event, context)));
      })(),
    ]);
    // In flight until the handler is done, also when its caller was told it timed out.
    void run.then(
      () => {
        this.running--;
      },
      () => {
        this.running--;
      },
    );
    if (!this.enforceTimeouts) return run;
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        this.timedOutBy.set(name, (this.timedOutBy.get(name) ?? 0) + 1);
        logger.warn("local Lambda invocation timed out; its result will be discarded", {
          function: name,
          timeoutSeconds: limits.timeoutSeconds,
        });
        reject(timeoutError(context.awsRequestId, limits.timeoutSeconds));
      }, timeoutMs);
    });
    try {
      return await Promise.race([run, timedOut]);
    } finally {
      clearTimeout(timer);
    }
  }

  /** Invocations in flight now, and invocations started so far (for idleness checks). */
  activity(): { inFlight: number; started: number } {
    return { inFlight: this.running, started: this.started };
  }

  /** Invocations by function since the last reset (the meter, `GET /_local/meter`). */
  invocations(): Partial<Record<FunctionName, number>> {
    return Object.fromEntries(this.byFunction);
  }

  /** Invocations that ran past their timeout, by function, since the last reset. */
  timeouts(): Partial<Record<FunctionName, number>> {
    return Object.fromEntries(this.timedOutBy);
  }

  resetInvocations(): void {
    this.byFunction = new Map();
    this.timedOutBy = new Map();
  }

  private load(name: FunctionName): Promise<Handler> {
    let loaded = this.handlers.get(name);
    if (!loaded) {
      loaded = this.options.loadHandler ? this.options.loadHandler(name) : loadModule(name);
      this.handlers.set(name, loaded);
    }
    return loaded;
  }

  private context(name: FunctionName, limits: FunctionLimits, deadline: number): Context {
    return {
      callbackWaitsForEmptyEventLoop: false,
      functionName: name,
      functionVersion: "$LATEST",
      invokedFunctionArn: `arn:aws:lambda:us-east-1:000000000000:function:${name}`,
      memoryLimitInMB: String(limits.memoryMB),
      awsRequestId: randomUUID(),
      logGroupName: `/aws/lambda/${name}`,
      logStreamName: "local",
      getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
      done: () => undefined,
      fail: () => undefined,
      succeed: () => undefined,
    };
  }
}

function loadModule(name: FunctionName): Promise<Handler> {
  const url = pathToFileURL(join(repoRoot, functionEntry(name))).href;
  return import(url).then((mod: { handler?: Handler }) => {
    if (typeof mod.handler !== "function") throw new Error(`${name} exports no handler`);
    return mod.handler;
  });
}

/** What Lambda reports for an invocation that ran past its timeout. */
function timeoutError(requestId: string, timeoutSeconds: number): Error {
  const error = new Error(
    `RequestId: ${requestId} Error: Task timed out after ${timeoutSeconds.toFixed(2)} seconds`,
  );
  error.name = LAMBDA_TIMED_OUT;
  return error;
}

/** A runtime that died mid-invocation (a crash injected after a call; local-hooks.ts), as
 * Lambda reports it. */
function runtimeCrash(reason: string): Error {
  const error = new Error(`Runtime exited without providing a reason (local fault: ${reason})`);
  error.name = "Runtime.ExitError";
  return error;
}
