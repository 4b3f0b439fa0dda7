import { AsyncLocalStorage } from "node:async_hooks";

/**
 * Where the local stack may step into a function's outside calls to inject the faults AWS
 * produces (infra/local/faults.ts): before an AWS SDK call or a payment provider call (it
 * fails, as when throttled or down) and after one that succeeded (the function crashes
 * right after its write). Nothing is registered on AWS, where every hook is a no-op; the
 * code under test is the same either way.
 */
export interface OutsideCall {
  /** `dynamodb`, `sfn`, `ses`, `secretsmanager`, or `payments`. */
  service: string;
  /** `TransactWriteItems`, `SendEmail`, `charge`, … */
  operation: string;
  /** The function making it, where the local Lambda runtime says (see `invocation`). */
  fn: string | undefined;
  /** The call's input, as the SDK was given it (IAM checks the resources it names). */
  input?: unknown;
  /** What a payment call charged or refunded (the local provider's ledger). */
  payment?: { kind: "charge" | "refund"; id: string; idempotencyKey: string; amount: number };
}

export interface LocalHooks {
  /** Throws to fail the call before it is made. */
  beforeCall?(call: OutsideCall): void;
  /** After a call succeeded: true to crash the function there (see `invocation`). */
  afterCall?(call: OutsideCall): boolean;
  /** Throws to refuse a function the secret the environment variable `arnEnv` names. */
  beforeSecretRead?(fn: string | undefined, arnEnv: string): void;
}

/** One invocation run by the local Lambda runtime: crashing it ends it where it stands. */
export interface Invocation {
  fn: string;
  /** Set once crashed: the runtime answers the invocation as a crashed runtime would. */
  crash(reason: string): void;
  crashed: boolean;
}

/** The invocation running (set by the local Lambda runtime). */
export const invocation = new AsyncLocalStorage<Invocation>();

let hooks: LocalHooks = {};

/** The local stack registers its hooks (none: back to no-ops). */
export function setLocalHooks(next: LocalHooks | undefined): void {
  hooks = next ?? {};
}

/** Never settles: what the rest of a crashed invocation waits on, so it does nothing more. */
const never = new Promise<never>(() => {});

/** Before an outside call: may throw (the call fails), or never return (crashed already). */
export async function beforeOutsideCall(call: Omit<OutsideCall, "fn">): Promise<void> {
  const running = invocation.getStore();
  if (running?.crashed) await never;
  hooks.beforeCall?.({ ...call, fn: running?.fn });
}

/** After an outside call succeeded: a crash injected here ends the invocation. */
export async function afterOutsideCall(call: Omit<OutsideCall, "fn">): Promise<void> {
  const running = invocation.getStore();
  if (running?.crashed) await never;
  if (hooks.afterCall?.({ ...call, fn: running?.fn }) && running) {
    running.crash(`crashed after ${call.service} ${call.operation}`);
    await never;
  }
}

/** Before a function reads a configured secret (locally the value beside its ARN's variable):
 * may throw, as GetSecretValue does for a role without the grant. */
export function beforeSecretRead(arnEnv: string): void {
  hooks.beforeSecretRead?.(invocation.getStore()?.fn, arnEnv);
}
