import { injectLambdaContext } from "@aws-lambda-powertools/logger/middleware";
import middy from "@middy/core";
import type { Context } from "aws-lambda";
import { z } from "zod";
import { useLineStateMachine } from "../config.ts";
import { logger } from "../logger.ts";

/** What every task of the line state machine receives: the line it drives. */
export const lineTaskInput = z.object({
  orderId: z.string().min(1),
  lineId: z.string().min(1),
  /** The machine's ARN ($$.StateMachine.Id), for tasks that start or wake executions. */
  stateMachineArn: z.string().min(1).optional(),
});

export type LineTaskInput = z.infer<typeof lineTaskInput>;

/** Errors a task raises on purpose carry an explicit `name`, which the ASL catches by. */
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

/**
 * The middy stack of the state machine's Lambda tasks: structured logs keyed by the line,
 * and input validation. Tasks are idempotent: a Retry may run them twice.
 */
export function lineTask<TInput extends LineTaskInput, TResult>(
  schema: z.ZodType<TInput>,
  impl: (input: TInput) => Promise<TResult>,
) {
  return middy<unknown, TResult, Error, Context>()
    .use(injectLambdaContext(logger, { resetKeys: true }))
    .handler(async (event) => {
      const input = schema.parse(event);
      if (input.stateMachineArn) useLineStateMachine(input.stateMachineArn);
      logger.appendKeys({ orderId: input.orderId, lineId: input.lineId });
      return impl(input);
    });
}
