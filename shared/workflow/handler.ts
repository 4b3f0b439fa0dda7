import { injectLambdaContext } from "@aws-lambda-powertools/logger/middleware";
import middy from "@middy/core";
import type { Context } from "aws-lambda";
import * as z from "zod";
import { useLineStateMachine } from "../config.ts";
import { LOG_CONTEXT_OPTIONS, logger } from "../logger.ts";

/** What every task of the line state machine receives: the line it drives. */
export const lineTaskInput = z.object({
  orderId: z.string().min(1),
  lineId: z.string().min(1),
  /** The machine's ARN ($$.StateMachine.Id), for tasks that start or wake executions. */
  stateMachineArn: z.string().min(1).optional(),
});

export type LineTaskInput = z.infer<typeof lineTaskInput>;

/**
 * The middy stack of the state machine's Lambda tasks: structured logs keyed by the line,
 * and input validation. Tasks are idempotent: a Retry may run them twice.
 */
export function lineTask<TInput extends LineTaskInput, TResult>(
  schema: z.ZodType<TInput>,
  impl: (input: TInput) => Promise<TResult>,
) {
  return middy<unknown, TResult, Error, Context>()
    .use(injectLambdaContext(logger, LOG_CONTEXT_OPTIONS))
    .handler(async (event) => {
      const input = schema.parse(event);
      if (input.stateMachineArn) useLineStateMachine(input.stateMachineArn);
      logger.appendKeys({ orderId: input.orderId, lineId: input.lineId });
      return impl(input);
    });
}
