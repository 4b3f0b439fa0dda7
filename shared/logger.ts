import { Logger } from "@aws-lambda-powertools/logger";

/** The one structured JSON logger every handler uses. */
export const logger = new Logger({ serviceName: "backorder-engine" });
