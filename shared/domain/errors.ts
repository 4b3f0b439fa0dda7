/**
 * Refusals the services raise, in the domain's words. The HTTP layer maps each kind to a
 * status (shared/http/middleware/errors.ts): `not-found` 404, `conflict` 409 (the thing is
 * in a state that does not allow it), `rejected` 422 (the request names something that
 * cannot be used). `code` becomes the problem type's last segment; `details` its extra
 * members. Anything that is not a DomainError is an internal error.
 */
export type DomainErrorKind = "not-found" | "conflict" | "rejected";

export class DomainError extends Error {
  override readonly name = "DomainError";
  constructor(
    readonly kind: DomainErrorKind,
    readonly code: string,
    readonly title: string,
    message: string,
    readonly details: Record<string, unknown> = {},
  ) {
    super(message);
  }
}

export const refusals = {
  notFound: (what: string) =>
    new DomainError("not-found", "not-found", "Not found", `${what} does not exist.`),
  conflict: (code: string, title: string, message: string, details?: Record<string, unknown>) =>
    new DomainError("conflict", code, title, message, details),
  rejected: (code: string, title: string, message: string, details?: Record<string, unknown>) =>
    new DomainError("rejected", code, title, message, details),
};
