import { logger } from "../../logger.ts";
import { correlationIdOf, type HttpMiddleware, type MiddyRequest } from "./request.ts";

function echoCorrelationId(request: MiddyRequest): void {
  if (!request.response) return;
  request.response.headers = {
    ...request.response.headers,
    "x-correlation-id": correlationIdOf(request.event),
  };
}

/** Logs carry the request's correlation id and route; every answer echoes the id. */
export function correlationId(): HttpMiddleware {
  return {
    before: (request) => {
      logger.appendKeys({
        correlationId: correlationIdOf(request.event),
        route: request.event.routeKey,
      });
    },
    after: echoCorrelationId,
    onError: echoCorrelationId,
  };
}
