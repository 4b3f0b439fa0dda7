/** An error answered to an API caller: `type` becomes the `__type` the AWS SDK maps to an
 * exception class (ExecutionDoesNotExist, InvalidToken, …). */
export class SfnApiError extends Error {
  constructor(
    readonly type: string,
    message: string,
    readonly status = 400,
  ) {
    super(message);
    this.name = type;
  }
}

/** Errors every AWS API answers when it is throttled or briefly unavailable (the AWS SDK
 * retries both), as the endpoint answers them when told to (fault injection). */
export const SFN_REFUSALS = {
  ThrottlingException: { status: 400, message: "Rate exceeded" },
  ServiceUnavailable: { status: 503, message: "Service Unavailable" },
} as const;

export type SfnRefusal = keyof typeof SFN_REFUSALS;
export const SFN_REFUSAL_NAMES = Object.keys(SFN_REFUSALS) as [SfnRefusal, ...SfnRefusal[]];

/** What an operation called above its rate is answered with (AWS JSON 1.0, HTTP 400): the
 * type is namespaced as AWS's front door sends it, and the SDK keeps the name after '#'. */
export function throttledError(): SfnApiError {
  return new SfnApiError("com.amazon.coral.availability#ThrottlingException", "Rate exceeded");
}

/** The API error for a refusal. */
export function refusalError(name: SfnRefusal): SfnApiError {
  const { status, message } = SFN_REFUSALS[name];
  return new SfnApiError(name, message, status);
}

/**
 * An error raised inside an execution. aws-local-stepfunctions matches Retry/Catch on
 * `name`, reports `message` as the cause, and honours `isRetryable`/`isCatchable` when
 * present; `fatal` errors (like States.Runtime) skip every Retry and Catch.
 */
export function stateError(name: string, message: string, opts?: { fatal?: boolean }): Error {
  const error = new Error(message);
  error.name = name;
  if (opts?.fatal) Object.assign(error, { isRetryable: false, isCatchable: false });
  return error;
}
