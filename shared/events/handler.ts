import { injectLambdaContext } from "@aws-lambda-powertools/logger/middleware";
import middy from "@middy/core";
import type { Context } from "aws-lambda";
import type * as z from "zod";
import { LOG_CONTEXT_OPTIONS, logger } from "../logger.ts";

/**
 * The middy stack of functions EventBridge invokes: structured logs and validation. An
 * event that does not parse is logged and dropped: retrying it could never succeed. An
 * error thrown by `impl` fails the invocation, and the event is delivered again.
 */
export function eventTask<TEvent, TResult>(
  schema: z.ZodType<TEvent>,
  impl: (event: TEvent) => Promise<TResult>,
) {
  return middy<unknown, TResult | { dropped: true }, Error, Context>()
    .use(injectLambdaContext(logger, LOG_CONTEXT_OPTIONS))
    .handler(async (event) => {
      const parsed = schema.safeParse(event);
      if (!parsed.success) {
        logger.error("malformed event dropped", {
          issues: parsed.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`),
        });
        return { dropped: true as const };
      }
      return impl(parsed.data);
    });
}
