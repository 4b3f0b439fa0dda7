import { injectLambdaContext } from "@aws-lambda-powertools/logger/middleware";
import middy from "@middy/core";
import type { Context } from "aws-lambda";
import { LOG_CONTEXT_OPTIONS, logger } from "../logger.ts";

/** What a scheduled run is told: how long it may still take. */
export interface ScheduledRun {
  timeLeftMs: () => number;
}

/** The middy stack of scheduled functions: structured logs; the event is ignored. */
export function scheduledTask<TResult>(impl: (run: ScheduledRun) => Promise<TResult>) {
  return middy<unknown, TResult, Error, Context>()
    .use(injectLambdaContext(logger, LOG_CONTEXT_OPTIONS))
    .handler(async (_event, context) => {
      const result = await impl({ timeLeftMs: () => context.getRemainingTimeInMillis() });
      logger.info("scheduled run done", { result });
      return result;
    });
}
