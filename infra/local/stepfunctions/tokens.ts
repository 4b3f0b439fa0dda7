import { randomBytes } from "node:crypto";
import type { Json } from "./definition.ts";

/** What a task waiting for a callback does with SendTask* calls. */
export interface TokenWaiter {
  executionArn: string;
  succeed(output: Json): void;
  fail(error: string, cause: string): void;
  heartbeat(): void;
}

/**
 * Task tokens of every execution. A token is minted each time a Task state evaluates
 * `$$.Task.Token`, registered while its task waits, and closed (kept as a tombstone) when
 * the task finishes, times out or its execution stops, so late callers get TaskTimedOut
 * as on AWS; a token never registered is unknown (InvalidToken).
 */
export class TaskTokens {
  private readonly waiting = new Map<string, TokenWaiter>();
  private readonly closed = new Set<string>();

  mint(): string {
    return `AQ${randomBytes(60).toString("base64url")}`;
  }

  register(token: string, waiter: TokenWaiter): void {
    this.waiting.set(token, waiter);
  }

  close(token: string): void {
    if (this.waiting.delete(token)) this.closed.add(token);
  }

  lookup(token: string): TokenWaiter | "closed" | undefined {
    return this.waiting.get(token) ?? (this.closed.has(token) ? "closed" : undefined);
  }

  waitingCount(): number {
    return this.waiting.size;
  }
}
