import type { Context } from "aws-lambda";
import { describe, expect, it } from "vitest";
import { LAMBDA_TIMED_OUT, LocalLambdaRuntime } from "../../infra/local/lambda-runtime.ts";
import type { FunctionName } from "../../shared/http/routes.ts";

type Handler = (event: unknown, context: Context) => Promise<unknown>;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** A runtime whose functions are the handlers given here. */
function runtimeOf(
  handlers: Partial<Record<FunctionName, Handler>>,
  latencyMs?: (name: FunctionName) => number,
) {
  return new LocalLambdaRuntime({
    loadHandler: async (name) => {
      const handler = handlers[name];
      if (!handler) throw new Error(`no handler for ${name}`);
      return handler;
    },
    ...(latencyMs ? { latencyMs } : {}),
  });
}

describe("LocalLambdaRuntime", () => {
  it("gives each function the memory and remaining time of its own configuration", async () => {
    const seen: Record<string, { memory: string; remaining: number }> = {};
    const record: Handler = async (_, context) => {
      seen[context.functionName] = {
        memory: context.memoryLimitInMB,
        remaining: context.getRemainingTimeInMillis(),
      };
      return "ok";
    };
    const runtime = runtimeOf({ "get-sku": record, "post-receipt": record });
    runtime.configure(
      [
        { name: "get-sku", timeoutSeconds: 10, memoryMB: 512 },
        { name: "post-receipt", timeoutSeconds: 60, memoryMB: 1024 },
      ],
      { timeouts: true },
    );
    await runtime.invoke("get-sku", {});
    await runtime.invoke("post-receipt", {});
    expect(seen["get-sku"]?.memory).toBe("512");
    expect(seen["get-sku"]?.remaining).toBeGreaterThan(9_000);
    expect(seen["get-sku"]?.remaining).toBeLessThanOrEqual(10_000);
    expect(seen["post-receipt"]?.memory).toBe("1024");
    expect(seen["post-receipt"]?.remaining).toBeGreaterThan(59_000);
    expect(runtime.limits()).toEqual({
      timeouts: true,
      functions: {
        "get-sku": { timeoutSeconds: 10, memoryMB: 512 },
        "post-receipt": { timeoutSeconds: 60, memoryMB: 1024 },
      },
    });
  });

  it("fails an invocation past its timeout with Sandbox.Timedout; the handler goes on, counted in flight", async () => {
    let finished = false;
    const runtime = runtimeOf({
      "get-sku": async () => {
        await sleep(700);
        finished = true;
        return "too late";
      },
    });
    runtime.configure([{ name: "get-sku", timeoutSeconds: 10, memoryMB: 512 }], {
      timeouts: true,
      timeoutSeconds: { "get-sku": 0.1 },
    });
    const started = Date.now();
    await expect(runtime.invoke("get-sku", {})).rejects.toMatchObject({
      name: LAMBDA_TIMED_OUT,
      message: expect.stringMatching(/^RequestId: \S+ Error: Task timed out after 0\.10 seconds$/),
    });
    expect(Date.now() - started).toBeLessThan(650);
    expect(finished).toBe(false);
    expect(runtime.activity().inFlight).toBe(1);
    await sleep(800);
    expect(finished).toBe(true);
    expect(runtime.activity()).toEqual({ inFlight: 0, started: 1 });
    expect(runtime.timeouts()).toEqual({ "get-sku": 1 });
    runtime.resetInvocations();
    expect(runtime.timeouts()).toEqual({});
  });

  it("counts an injected latency toward the timeout, and lets a call within it through", async () => {
    const runtime = runtimeOf({ "get-sku": async () => "fast" }, (name) =>
      name === "get-sku" ? 200 : 0,
    );
    runtime.configure([{ name: "get-sku", timeoutSeconds: 0.1, memoryMB: 128 }], {
      timeouts: true,
    });
    await expect(runtime.invoke("get-sku", {})).rejects.toMatchObject({ name: LAMBDA_TIMED_OUT });

    runtime.configure([{ name: "get-sku", timeoutSeconds: 5, memoryMB: 128 }], { timeouts: true });
    const started = Date.now();
    expect(await runtime.invoke("get-sku", {})).toBe("fast");
    expect(Date.now() - started).toBeGreaterThanOrEqual(190);
  });

  it("passes a handler's own error on with its name", async () => {
    const runtime = runtimeOf({
      "advance-line": async () => {
        const error = new Error("no such line");
        error.name = "LineNotFound";
        throw error;
      },
    });
    runtime.configure([{ name: "advance-line", timeoutSeconds: 60, memoryMB: 512 }], {
      timeouts: true,
    });
    await expect(runtime.invoke("advance-line", {})).rejects.toMatchObject({
      name: "LineNotFound",
    });
    expect(runtime.activity().inFlight).toBe(0);
  });

  it("with timeouts off, waits for the handler however long it takes", async () => {
    const runtime = runtimeOf({
      "get-sku": async () => {
        await sleep(150);
        return "slow";
      },
    });
    runtime.configure([{ name: "get-sku", timeoutSeconds: 0.05, memoryMB: 128 }], {
      timeouts: false,
    });
    expect(await runtime.invoke("get-sku", {})).toBe("slow");
  });
});
