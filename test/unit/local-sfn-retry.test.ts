import { describe, expect, it } from "vitest";
import { nextRetryDelayMs, type Retrier } from "../../infra/local/stepfunctions/retry.ts";

const throttled = { name: "Lambda.TooManyRequestsException" };

describe("nextRetryDelayMs (when the local Step Functions retries a task)", () => {
  it("grows the interval by BackoffRate per attempt, caps it, and stops after MaxAttempts", () => {
    const retriers: Retrier[] = [
      {
        ErrorEquals: ["Lambda.TooManyRequestsException"],
        IntervalSeconds: 2,
        BackoffRate: 3,
        MaxAttempts: 4,
        MaxDelaySeconds: 10,
      },
    ];
    const attempts = [0];
    const delays = [1, 2, 3, 4, 5].map(() => nextRetryDelayMs(retriers, attempts, throttled));
    expect(delays).toEqual([2000, 6000, 10_000, 10_000, null]);
    expect(attempts).toEqual([4]);
  });

  it("with full jitter, waits a random time up to the interval", () => {
    const retriers: Retrier[] = [
      { ErrorEquals: ["States.ALL"], IntervalSeconds: 8, JitterStrategy: "FULL" },
    ];
    expect(nextRetryDelayMs(retriers, [0], throttled, () => 0)).toBe(0);
    expect(nextRetryDelayMs(retriers, [0], throttled, () => 0.5)).toBe(4000);
    expect(nextRetryDelayMs(retriers, [1], throttled, () => 0.999_999_99)).toBe(16_000);
  });

  it("is decided by the first retrier that matches, with AWS's defaults", () => {
    const retriers: Retrier[] = [
      { ErrorEquals: ["EmailNotSent"], IntervalSeconds: 30, MaxAttempts: 1 },
      { ErrorEquals: ["States.TaskFailed"] },
    ];
    const attempts = [0, 0];
    expect(nextRetryDelayMs(retriers, attempts, { name: "EmailNotSent" })).toBe(30_000);
    // Its retrier is used up: no later retrier takes the error over.
    expect(nextRetryDelayMs(retriers, attempts, { name: "EmailNotSent" })).toBeNull();
    expect(nextRetryDelayMs(retriers, attempts, { name: "Boom" })).toBe(1000);
    expect(attempts).toEqual([1, 1]);
  });

  it("never retries what matches no retrier, or what may not be retried", () => {
    const retriers: Retrier[] = [{ ErrorEquals: ["ThrottlingException"] }];
    expect(nextRetryDelayMs(retriers, [0], { name: "LineChanged" })).toBeNull();
    expect(nextRetryDelayMs([], [], throttled)).toBeNull();
    const fatal = { name: "ThrottlingException", isRetryable: false };
    expect(nextRetryDelayMs(retriers, [0], fatal)).toBeNull();
  });
});
