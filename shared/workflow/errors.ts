import type { Turn } from "../ports/rates.ts";

/**
 * Errors a line task raises on purpose. Each carries an explicit `name` (esbuild renames
 * classes), which the state machine's Retry and Catch match (infra/constructs/line-workflow.ts).
 */

export class LineNotFoundError extends Error {
  override readonly name = "LineNotFound";
}

/** Error a parked line's task fails with when the line changed under it: the machine reloads. */
export const LINE_CHANGED = "LineChanged";

export class LineChangedError extends Error {
  override readonly name = LINE_CHANGED;
}

/** Name of the error a task raises while another attempt holds a fresh claim on an email. */
export const NOTIFICATION_IN_FLIGHT = "NotificationInFlight";

/** Raised while another attempt may still be sending the same email; the task is retried. */
export class NotificationInFlightError extends Error {
  override readonly name = NOTIFICATION_IN_FLIGHT;
}

/** Name of the error a task raises when the provider refused (or throttled) an email. */
export const EMAIL_NOT_SENT = "EmailNotSent";

/** The provider refused or throttled an email the step owes: it surely did not go, and its
 * claim is released. The machine retries the step with back-off until the email's sends run
 * out, when it is recorded failed and the step goes on. */
export class EmailNotSentError extends Error {
  override readonly name = EMAIL_NOT_SENT;
}

/** Name of the error a task raises when a side effect's shared rate is used up for now. */
export const RATE_LIMITED = "RateLimited";

/** A payment, email or wake-up would pass its configured rate (shared/services/rates.ts):
 * nothing was done; the machine retries the step later, with back-off and jitter. */
export class RateLimitedError extends Error {
  override readonly name = RATE_LIMITED;
}

/**
 * A side effect's turn at its rate is reserved for later (shared/services/rates.ts): not an
 * error of the line. The line step returns the turn to the machine, which waits for it
 * and runs the step again holding it. Nothing was done yet when it is thrown.
 */
export class TurnLaterError extends Error {
  override readonly name = "TurnLater";
  constructor(readonly turn: Turn) {
    super(`the ${turn.rate} turn is at ${new Date(turn.at).toISOString()}`);
  }
}
