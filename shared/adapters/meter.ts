/**
 * Counters on the real code paths: every AWS SDK call this process makes, counted by an
 * SDK middleware on each client (the clients of aws-clients.ts). DynamoDB calls also ask
 * for their consumed capacity (`ReturnConsumedCapacity: TOTAL`) and add it up. Switched on
 * by `BACKORDER_METER=on` (the local stack sets it); the benchmarks read the counters
 * through `GET /_local/meter`. Nothing here estimates: a figure is what the calls said.
 * The same middleware is where the local stack injects faults (local-hooks.ts).
 */

import { AsyncLocalStorage } from "node:async_hooks";
import { afterOutsideCall, beforeOutsideCall } from "./local-hooks.ts";

export interface MeterReading {
  /** SDK calls by service and operation: `{ dynamodb: { UpdateItem: 3 } }`. */
  calls: Record<string, Record<string, number>>;
  /** DynamoDB calls by the function that made them and operation (where the local Lambda
   * runtime says which function runs: `meterScope`). */
  byFunction: Record<string, Record<string, number>>;
  /** DynamoDB capacity units the calls consumed, as DynamoDB reported them. */
  dynamodb: { readUnits: number; writeUnits: number; unitsByOperation: Record<string, number> };
}

type Counters = MeterReading;

/** The function whose invocation is running (set by the local Lambda runtime), so that its
 * calls are counted as its own. */
export const meterScope = new AsyncLocalStorage<string>();

const fresh = (): Counters => ({
  calls: {},
  byFunction: {},
  dynamodb: { readUnits: 0, writeUnits: 0, unitsByOperation: {} },
});
let counters: Counters = fresh();

/** DynamoDB operations that report the capacity they consumed, and which kind it is. */
const CAPACITY: Record<string, "read" | "write"> = {
  GetItem: "read",
  Query: "read",
  Scan: "read",
  BatchGetItem: "read",
  TransactGetItems: "read",
  PutItem: "write",
  UpdateItem: "write",
  DeleteItem: "write",
  BatchWriteItem: "write",
  TransactWriteItems: "write",
};

/** lib-dynamodb's document commands, by the operation they send. */
const DOCUMENT_COMMANDS: Record<string, string> = {
  Get: "GetItem",
  Put: "PutItem",
  Update: "UpdateItem",
  Delete: "DeleteItem",
  BatchGet: "BatchGetItem",
  BatchWrite: "BatchWriteItem",
  TransactGet: "TransactGetItems",
  TransactWrite: "TransactWriteItems",
};

export function meterEnabled(): boolean {
  return process.env.BACKORDER_METER === "on";
}

/** What has been counted since the last reset. */
export function readMeter(): MeterReading {
  return structuredClone(counters);
}

export function resetMeter(): void {
  counters = fresh();
}

interface Capacity {
  CapacityUnits?: number;
}

function addCapacity(
  operation: string,
  kind: "read" | "write",
  consumed: Capacity | Capacity[] | undefined,
) {
  const units = [consumed ?? []].flat().reduce((sum, c) => sum + (c.CapacityUnits ?? 0), 0);
  const byOperation = counters.dynamodb.unitsByOperation;
  byOperation[operation] = (byOperation[operation] ?? 0) + units;
  if (kind === "read") counters.dynamodb.readUnits += units;
  else counters.dynamodb.writeUnits += units;
}

interface Stack {
  add(
    middleware: (
      next: (args: { input: object }) => Promise<{ output: unknown }>,
      context: { commandName?: string },
    ) => (args: { input: object }) => Promise<{ output: unknown }>,
    options: { step: "initialize"; name: string },
  ): void;
}

/** Adds the counting middleware to a client (when metering is on); returns the client. */
export function metered<C extends { middlewareStack: unknown }>(client: C, service: string): C {
  if (!meterEnabled()) return client;
  (client.middlewareStack as Stack).add(
    (next, context) => async (args) => {
      const command = (context.commandName ?? "Unknown").replace(/Command$/, "");
      const operation = service === "dynamodb" ? (DOCUMENT_COMMANDS[command] ?? command) : command;
      const byOperation = counters.calls[service] ?? {};
      counters.calls[service] = byOperation;
      byOperation[operation] = (byOperation[operation] ?? 0) + 1;
      const fn = meterScope.getStore();
      if (fn && service === "dynamodb") {
        const mine = counters.byFunction[fn] ?? {};
        counters.byFunction[fn] = mine;
        mine[operation] = (mine[operation] ?? 0) + 1;
      }
      const kind = service === "dynamodb" ? CAPACITY[operation] : undefined;
      if (kind) Object.assign(args.input, { ReturnConsumedCapacity: "TOTAL" });
      // The local stack's faults (none on AWS, where the meter is off too).
      await beforeOutsideCall({ service, operation, input: args.input });
      const result = await next(args);
      await afterOutsideCall({ service, operation });
      if (kind) {
        addCapacity(
          operation,
          kind,
          (result.output as { ConsumedCapacity?: Capacity | Capacity[] }).ConsumedCapacity,
        );
      }
      return result;
    },
    { step: "initialize", name: "backorderMeter" },
  );
  return client;
}
