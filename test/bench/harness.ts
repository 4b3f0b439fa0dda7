/**
 * What every benchmark scenario shares: a local stack of its own that is stopped and whose
 * data is removed on every exit (done, failed, Ctrl-C, SIGTERM), HTTP calls timed from
 * the client's side, and percentiles. Nothing here is a pass/fail test.
 */
import { randomUUID } from "node:crypto";
import { rmSync } from "node:fs";
import { GetExecutionHistoryCommand, SFNClient } from "@aws-sdk/client-sfn";
import { isListening } from "../../infra/local/ports.ts";
import type { LocalStackManifest } from "../../infra/local/stack.ts";
import { type RunningStack, startStackProcess } from "../e2e/stack-process.ts";

export const KEYS = {
  storefront: "local-storefront-key",
  warehouse: "local-warehouse-key",
} as const;

export interface Answer {
  status: number;
  json: Record<string, unknown> | null;
  headers: Headers;
  ms: number;
}

export type Call = (
  method: string,
  path: string,
  body?: unknown,
  headers?: Record<string, string>,
) => Promise<Answer>;

export interface BenchStack {
  manifest: LocalStackManifest;
  call: Call;
  /** Resolves once nothing is in flight on the stack (GET /_local/idle). */
  idle(timeoutMs?: number): Promise<void>;
}

const running = new Set<RunningStack>();
let cleaning: Promise<void> | undefined;

/** Stops every stack still running and removes its data; safe to call more than once. */
export function cleanUp(): Promise<void> {
  cleaning ??= (async () => {
    for (const stack of [...running]) {
      running.delete(stack);
      await stopAndRemove(stack);
    }
  })();
  return cleaning;
}

/** Stops a stack, waits until DynamoDB Local has let go of its port (and so of its files),
 * then removes the stack's data. */
async function stopAndRemove(stack: RunningStack) {
  await stack.stop().catch(() => stack.kill());
  const deadline = Date.now() + 20_000;
  while (Date.now() < deadline && (await isListening(stack.ports.dynamodb))) {
    await new Promise((r) => setTimeout(r, 200));
  }
  removeDir(stack.dataDir);
}

/** Removes a directory that a stopping emulator may still write to for a moment. */
function removeDir(dir: string) {
  rmSync(dir, { recursive: true, force: true, maxRetries: 20, retryDelay: 250 });
}

let handlersInstalled = false;

/** Stops the stacks on every way out of the process. */
export function cleanUpOnExit(): void {
  if (handlersInstalled) return;
  handlersInstalled = true;
  for (const signal of ["SIGINT", "SIGTERM", "SIGHUP"] as const) {
    process.once(signal, () => {
      console.error(`\n${signal}: stopping the bench's stacks …`);
      void cleanUp().finally(() => process.exit(130));
    });
  }
  for (const event of ["uncaughtException", "unhandledRejection"] as const) {
    process.once(event, (error: unknown) => {
      console.error(error);
      void cleanUp().finally(() => process.exit(1));
    });
  }
}

/** Runs `scenario` on a fresh local stack started with `env`, stopped and removed after. */
export async function withStack<T>(
  env: Record<string, string>,
  scenario: (stack: BenchStack) => Promise<T>,
): Promise<T> {
  cleanUpOnExit();
  // Its data is thrown away after: DynamoDB Local keeps it in memory (stack.ts).
  const stack = await startStackProcess({
    fresh: true,
    env: { BACKORDER_DYNAMODB_IN_MEMORY: "1", ...env },
  });
  running.add(stack);
  const base = stack.manifest.urls.api;
  const call: Call = async (method, path, body, headers = {}) => {
    const started = performance.now();
    const res = await fetch(path.startsWith("http") ? path : `${base}${path}`, {
      method,
      headers: { authorization: `Bearer ${KEYS.storefront}`, ...headers },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const json = (await res.json().catch(() => null)) as Record<string, unknown> | null;
    return { status: res.status, json, headers: res.headers, ms: performance.now() - started };
  };
  const idle = async (timeoutMs = 600_000) => {
    // The gateway answers an idle wait of two minutes at most: ask again until idle.
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      const res = await fetch(`${base}/_local/idle?timeoutMs=120000`);
      if (res.status === 200) return;
    }
    throw new Error("the stack did not become idle");
  };
  try {
    return await scenario({ manifest: stack.manifest, call, idle });
  } finally {
    if (running.delete(stack)) await stopAndRemove(stack);
  }
}

export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  const index = Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1);
  return sorted[Math.max(0, index)] as number;
}

/** Runs `task(i)` for i < count, `concurrency` at a time. */
export async function runPool<T>(
  count: number,
  concurrency: number,
  task: (i: number) => Promise<T>,
): Promise<T[]> {
  const results: T[] = [];
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(concurrency, count) }, async () => {
      while (next < count) {
        const i = next++;
        results[i] = await task(i);
      }
    }),
  );
  return results;
}

/** A one-line order of `qty` units of `sku`, as a storefront sends it. */
export function orderOf(sku: string, qty = 1, splitPolicy = "ship_as_available") {
  return {
    orderRef: `BENCH-${randomUUID().slice(0, 8)}`,
    customer: { email: `bench-${randomUUID().slice(0, 12)}@example.com`, name: "Bench" },
    shippingAddress: { line1: "1 Main St", city: "Springfield", postalCode: "1", country: "US" },
    splitPolicy,
    payment: { provider: "sandbox", customerRef: "cus_1", paymentMethodRef: "pm_card_visa" },
    currency: "USD",
    lines: [{ lineRef: "1", sku, qty, unitPrice: 1000 }],
  };
}

/** Latency summary of a set of answers, in whole milliseconds. */
export function latencies(answers: readonly Answer[]) {
  const ms = answers.map((a) => a.ms).sort((a, b) => a - b);
  return {
    p50: Math.round(percentile(ms, 50)),
    p99: Math.round(percentile(ms, 99)),
    max: Math.round(ms.at(-1) ?? Number.NaN),
  };
}

/** Seconds since `startedMs` (performance.now()), to one decimal. */
export function secondsSince(startedMs: number): number {
  return Number(((performance.now() - startedMs) / 1000).toFixed(1));
}

/** The local Step Functions endpoint's client (close it with destroy()). */
export function localSfn(manifest: LocalStackManifest): SFNClient {
  return new SFNClient({
    endpoint: manifest.urls.sfn,
    region: "us-east-1",
    credentials: { accessKeyId: "local", secretAccessKey: "local" },
  });
}

/** State transitions of a line's execution so far, from its history. */
export async function transitionsOf(
  sfn: SFNClient,
  manifest: LocalStackManifest,
  lineId: string,
): Promise<number> {
  const history = await sfn.send(
    new GetExecutionHistoryCommand({
      executionArn: `${manifest.lineStateMachineArn.replace(":stateMachine:", ":execution:")}:${lineId}`,
      maxResults: 1000,
    }),
  );
  return (history.events ?? []).filter((e) => e.stateEnteredEventDetails).length;
}

/** Every requested shipment, paged through (`GET /v1/shipments?status=requested`). */
export async function requestedShipments<T>(
  call: (
    method: string,
    path: string,
    body?: unknown,
    headers?: Record<string, string>,
  ) => Promise<{ json: Record<string, unknown> | null }>,
): Promise<T[]> {
  const all: T[] = [];
  let cursor: string | null = null;
  do {
    const query: string = cursor ? `&cursor=${encodeURIComponent(cursor)}` : "";
    const page = await call("GET", `/v1/shipments?status=requested&limit=1000${query}`, undefined, {
      authorization: `Bearer ${KEYS.warehouse}`,
    });
    all.push(...((page.json?.shipments ?? []) as T[]));
    cursor = (page.json?.nextCursor as string | null | undefined) ?? null;
  } while (cursor);
  return all;
}
