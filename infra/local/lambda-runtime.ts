import { randomUUID } from "node:crypto";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import type { Context } from "aws-lambda";
import { type FunctionName, functionEntry } from "../../shared/http/routes.ts";
import { repoRoot } from "../paths.ts";

type Handler = (event: unknown, context: Context) => Promise<unknown>;

/**
 * Runs the same handler modules the CDK app deploys, in this process. Each call gets a
 * Lambda-like context; a handler's error is passed on with its `name`, which is what Step
 * Functions catches by.
 */
export class LocalLambdaRuntime {
  private readonly handlers = new Map<FunctionName, Promise<Handler>>();
  private running = 0;
  private started = 0;
  private byFunction = new Map<FunctionName, number>();

  constructor(private readonly timeoutsMs: Partial<Record<FunctionName, number>> = {}) {}

  async invoke(name: FunctionName, event: unknown): Promise<unknown> {
    this.running++;
    this.started++;
    this.byFunction.set(name, (this.byFunction.get(name) ?? 0) + 1);
    try {
      const handler = await this.load(name);
      return await handler(event, this.context(name));
    } finally {
      this.running--;
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

  resetInvocations(): void {
    this.byFunction = new Map();
  }

  private load(name: FunctionName): Promise<Handler> {
    let loaded = this.handlers.get(name);
    if (!loaded) {
      const url = pathToFileURL(join(repoRoot, functionEntry(name))).href;
      loaded = import(url).then((mod: { handler?: Handler }) => {
        if (typeof mod.handler !== "function") throw new Error(`${name} exports no handler`);
        return mod.handler;
      });
      this.handlers.set(name, loaded);
    }
    return loaded;
  }

  private context(name: FunctionName): Context {
    const deadline = Date.now() + (this.timeoutsMs[name] ?? 30_000);
    return {
      callbackWaitsForEmptyEventLoop: false,
      functionName: name,
      functionVersion: "$LATEST",
      invokedFunctionArn: `arn:aws:lambda:us-east-1:000000000000:function:${name}`,
      memoryLimitInMB: "512",
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
