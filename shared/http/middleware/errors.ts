import { DomainError, type DomainErrorKind } from "../../domain/errors.ts";
import { describeError } from "../../log-redaction.ts";
import { logger } from "../../logger.ts";
import { InvalidCursorError } from "../../ports/paging.ts";
import { HttpProblem, internalError, problemResponse, problems } from "../problem.ts";
import type { HttpMiddleware } from "./request.ts";

const STATUS_OF: Record<DomainErrorKind, number> = {
  "not-found": 404,
  conflict: 409,
  rejected: 422,
};

/** A refusal as the problem the caller is answered with; null for an internal error. */
export function problemOf(error: unknown): HttpProblem | null {
  if (error instanceof HttpProblem) return error;
  if (error instanceof DomainError) {
    return new HttpProblem(
      STATUS_OF[error.kind],
      error.code,
      error.title,
      error.message,
      error.details,
    );
  }
  if (error instanceof InvalidCursorError) return problems.badRequest(error.message);
  return null;
}

/**
 * Errors become RFC 9457 problem+json: refusals (HTTP problems and domain errors) are
 * shown with their detail; anything else is logged and answered with a generic 500 that
 * names nothing internal.
 */
export function errorMapping(): HttpMiddleware {
  return {
    onError: (request) => {
      const problem = problemOf(request.error);
      if (problem) {
        logger.info("request refused", { status: problem.status, problem: problem.slug });
        request.response = problemResponse(problem);
        return;
      }
      const error = request.error;
      logger.error("request failed", {
        error: error instanceof Error ? error : describeError(error),
      });
      request.response = problemResponse(internalError);
    },
  };
}
