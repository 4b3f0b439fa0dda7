import { injectLambdaContext } from "@aws-lambda-powertools/logger/middleware";
import middy from "@middy/core";
import type { Context } from "aws-lambda";
import * as z from "zod";
import { logger } from "../../shared/logger.ts";
import { bulkJobSchema } from "../../shared/ports/bulk.ts";
import { workOnJob } from "../../shared/services/bulk.ts";
import { appPorts } from "../../shared/services/deps.ts";

/** Time kept back from the function's timeout: the run stops between batches before it. */
const MARGIN_MS = 20_000;
/** The longest one run works, so progress shows in the execution's history. */
const MAX_RUN_MS = 60_000;

const input = z.object({ job: bulkJobSchema });

/**
 * Bulk machine task: works on the job until its time budget is spent (the function's time
 * left, less a margin) and says whether it is done; the machine runs it again if not.
 */
export const handler = middy<unknown, { done: boolean }, Error, Context>()
  .use(injectLambdaContext(logger, { resetKeys: true }))
  .handler(async (event, context) => {
    const { job } = input.parse(event);
    logger.appendKeys({ job });
    const budget = Math.min(MAX_RUN_MS, context.getRemainingTimeInMillis() - MARGIN_MS);
    const done = await workOnJob(appPorts(), job, Date.now() + Math.max(1_000, budget));
    logger.info("bulk job run", { done });
    return { done };
  });
