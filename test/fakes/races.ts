import type { StoreCall } from "./db.ts";

export type Hook = () => unknown;

/**
 * Races a test injects: a callback run just before (or after) the next call of a store
 * method, e.g. a concurrent cancel between a service's read and its write; or the next
 * calls losing their race outright (a conditional write answers as if the world moved).
 */
export class Races {
  private readonly before = new Map<StoreCall, Hook[]>();
  private readonly after = new Map<StoreCall, Hook[]>();
  private readonly losses = new Map<StoreCall, number>();

  /** Runs `fn` right before the next call of `call` (its write sees what `fn` did). */
  beforeNext(call: StoreCall, fn: Hook): void {
    this.before.set(call, [...(this.before.get(call) ?? []), fn]);
  }

  /** Runs `fn` right after the next call of `call` has written (a throw: a crash then). */
  afterNext(call: StoreCall, fn: Hook): void {
    this.after.set(call, [...(this.after.get(call) ?? []), fn]);
  }

  /** The next `times` calls of a conditional write write nothing and report a lost race. */
  loseNext(call: StoreCall, times = 1): void {
    this.losses.set(call, (this.losses.get(call) ?? 0) + times);
  }

  /** @internal Called by the fakes; true when this call is to lose its race. */
  async enter(call: StoreCall): Promise<boolean> {
    await this.before.get(call)?.shift()?.();
    const losses = this.losses.get(call) ?? 0;
    if (losses > 0) this.losses.set(call, losses - 1);
    return losses > 0;
  }

  /** @internal */
  async leave(call: StoreCall): Promise<void> {
    await this.after.get(call)?.shift()?.();
  }
}
