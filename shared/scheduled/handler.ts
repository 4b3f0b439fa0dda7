import { injectLambdaContext } from "@aws-lambda-powertools/logger/middleware";
import middy from "@middy/core";
import type { Context } from "aws-lambda";
import { logger } from "../logger.ts";

/** The middy stack of scheduled functions: structured logs; the event is ignored. */
export function scheduledTask<TResult>(impl: () => Promise<TResult>) {
  return middy<unknown, TResult, Error, Context>()
    .use(injectLambdaContext(logger, { resetKeys: true }))
    .handler(async () => {
      const result = await impl();
      logger.info("scheduled run done", { result });
      return result;
    });
}
