import { appendFileSync, existsSync, readFileSync, writeFileSync } from "node:fs";
import type { FunctionName } from "../../shared/http/routes.ts";
import type { BusEvent } from "./stepfunctions/events.ts";

/** An EventBridge rule of the synthesized template, as the local stack runs it. */
export interface LocalRule {
  logicalId: string;
  /** The rule's EventPattern, intrinsics resolved. */
  pattern: Record<string, unknown>;
  targets: { fn: FunctionName; retryAttempts: number }[];
}

export interface LocalEventBusOptions {
  rules: readonly LocalRule[];
  /** Invokes a function with the event; rejects when the handler failed. */
  invoke(fn: FunctionName, event: BusEvent): Promise<unknown>;
  /** Deliveries in flight at once (the rest wait their turn). */
  concurrency?: number;
  /** First back-off after a failed delivery; it doubles up to `maxBackoffMs`. */
  backoffMs?: number;
  maxBackoffMs?: number;
  log?: (entry: Record<string, unknown>) => void;
  /**
   * A file the bus keeps what it was given in, as EventBridge keeps an event it accepted:
   * an event put and not yet delivered when the process died (a SIGKILL) is delivered
   * again by the next bus on the same file (`resume`).
   */
  journal?: string;
}

/** The bus was closed before the event was delivered. */
export class BusClosedError extends Error {
  override readonly name = "BusClosedError";
}

/**
 * EventBridge as the local stack needs it: the rules of the synthesized template, matched
 * against events put on the bus, each delivered to its rule's target functions through
 * the local Lambda runtime, at least once: a failed delivery is retried with back-off, up
 * to the attempts the rule's RetryPolicy allows. Every delivery, waiting or in flight,
 * counts as activity until it is done (`pending()`), so an idle stack has delivered
 * everything.
 */
export class LocalEventBus {
  private readonly queue: (() => Promise<void>)[] = [];
  private running = 0;
  private waiting = 0;
  private closed = false;
  private readonly timers = new Set<NodeJS.Timeout>();
  private readonly concurrency: number;

  constructor(private readonly options: LocalEventBusOptions) {
    for (const rule of options.rules) assertSupported(rule.pattern, rule.logicalId);
    this.concurrency = options.concurrency ?? 8;
  }

  /** Delivers `event` to the target of every rule it matches; resolves once it was. */
  async put(event: BusEvent): Promise<void> {
    if (this.closed) throw new BusClosedError("the event bus is closed");
    const deliveries = this.options.rules
      .filter((rule) => matches(rule.pattern, event))
      .flatMap((rule) => rule.targets.map((target) => ({ rule, target })));
    if (deliveries.length === 0) return;
    const journal = this.options.journal;
    const id = String((event as { id?: unknown }).id ?? "");
    if (journal && id) appendFileSync(journal, `${JSON.stringify({ put: event })}\n`);
    try {
      await Promise.all(
        deliveries.map(({ rule, target }) =>
          this.deliver(event, target.fn, target.retryAttempts + 1, rule.logicalId),
        ),
      );
    } finally {
      // Delivered, or given up on (EventBridge's dead-letter queue): not to be sent again.
      // Closed first: the next bus delivers it.
      if (journal && id && !this.closed)
        appendFileSync(journal, `${JSON.stringify({ done: id })}\n`);
    }
  }

  /**
   * Delivers again what an earlier bus on the same journal was given and had not delivered
   * when its process died; the journal keeps only those. Resolves once they are put.
   */
  resume(): void {
    const journal = this.options.journal;
    if (!journal || !existsSync(journal)) return;
    const pending = new Map<string, BusEvent>();
    for (const line of readFileSync(journal, "utf8").split("\n")) {
      if (!line.trim()) continue;
      let entry: { put?: BusEvent; done?: string };
      try {
        entry = JSON.parse(line) as typeof entry;
      } catch {
        continue; // a line cut off by the kill
      }
      if (entry.put) pending.set(String((entry.put as { id?: unknown }).id), entry.put);
      if (entry.done) pending.delete(entry.done);
    }
    writeFileSync(journal, "");
    for (const event of pending.values()) {
      this.put(event).catch((error: unknown) =>
        this.options.log?.({ msg: "a resumed event was not delivered", error: String(error) }),
      );
    }
  }

  /** Deliveries not done yet: queued, in flight, or waiting to be retried. */
  pending(): number {
    return this.waiting;
  }

  /** Stops delivering: queued and retrying deliveries are dropped (rejected). */
  close(): void {
    this.closed = true;
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
    for (const drop of this.queue.splice(0)) void drop();
  }

  private async deliver(
    event: BusEvent,
    fn: FunctionName,
    attempts: number,
    rule: string,
  ): Promise<void> {
    this.waiting++;
    try {
      let backoff = this.options.backoffMs ?? 100;
      for (let attempt = 1; ; attempt++) {
        try {
          await this.slot(() => this.options.invoke(fn, event));
          return;
        } catch (error) {
          if (this.closed || attempt >= attempts) throw error;
          this.options.log?.({
            msg: "event delivery failed; retrying",
            rule,
            fn,
            eventId: event.id,
            attempt,
            error: error instanceof Error ? error.message : String(error),
          });
          await this.sleep(backoff);
          backoff = Math.min(backoff * 2, this.options.maxBackoffMs ?? 5_000);
        }
      }
    } finally {
      this.waiting--;
    }
  }

  /** Runs `task` once fewer than `concurrency` deliveries are in flight. */
  private slot<T>(task: () => Promise<T>): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const run = async () => {
        if (this.closed) {
          reject(new BusClosedError("the event bus is closed"));
          return;
        }
        this.running++;
        try {
          resolve(await task());
        } catch (error) {
          reject(error);
        } finally {
          this.running--;
          this.queue.shift()?.();
        }
      };
      if (this.running < this.concurrency) void run();
      else this.queue.push(run);
    });
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve, reject) => {
      if (this.closed) {
        reject(new BusClosedError("the event bus is closed"));
        return;
      }
      const timer = setTimeout(() => {
        this.timers.delete(timer);
        if (this.closed) reject(new BusClosedError("the event bus is closed"));
        else resolve();
      }, ms);
      this.timers.add(timer);
    });
  }
}

/**
 * Whether `event` matches an EventBridge pattern: every field the pattern names must be
 * in the event; a list of values matches if any value (or `{"prefix": …}`) matches the
 * event's value, or any element of it when it is an array; an object matches field by
 * field. Other operators are refused when the rule is loaded.
 */
export function matches(pattern: Record<string, unknown>, event: unknown): boolean {
  if (typeof event !== "object" || event === null || Array.isArray(event)) return false;
  const fields = event as Record<string, unknown>;
  return Object.entries(pattern).every(([key, expected]) => {
    const actual = fields[key];
    if (Array.isArray(expected)) {
      const values = Array.isArray(actual) ? actual : [actual];
      return values.some((value) => value !== undefined && expected.some((e) => one(e, value)));
    }
    return matches(expected as Record<string, unknown>, actual);
  });
}

function one(expected: unknown, value: unknown): boolean {
  if (typeof expected === "object" && expected !== null) {
    const { prefix } = expected as { prefix?: unknown };
    return typeof prefix === "string" && typeof value === "string" && value.startsWith(prefix);
  }
  return expected === value;
}

function assertSupported(pattern: unknown, rule: string): void {
  if (typeof pattern !== "object" || pattern === null || Array.isArray(pattern)) {
    throw new Error(`rule ${rule}: an event pattern is an object of fields`);
  }
  for (const [key, expected] of Object.entries(pattern)) {
    if (Array.isArray(expected)) {
      for (const value of expected) {
        const isOperator = typeof value === "object" && value !== null;
        if (isOperator && Object.keys(value).join() !== "prefix") {
          throw new Error(
            `rule ${rule}: the local event bus matches values and "prefix" only (field ${key})`,
          );
        }
      }
    } else assertSupported(expected, rule);
  }
}
