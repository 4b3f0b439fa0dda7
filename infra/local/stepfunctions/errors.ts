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
