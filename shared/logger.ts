import { LogFormatter, Logger, LogItem } from "@aws-lambda-powertools/logger";
import type { LogAttributes, UnformattedAttributes } from "@aws-lambda-powertools/logger/types";
import { redact, redactDeep } from "./log-redaction.ts";

/**
 * Powertools' JSON log line, with every string in it redacted (shared/log-redaction.ts),
 * and errors shown by their name, message, code location and stack only: never the
 * properties a client library hangs on them (a payment provider's raw response, an SDK's
 * request), which can carry customers' details.
 */
export class RedactingLogFormatter extends LogFormatter {
  override formatAttributes(
    attributes: UnformattedAttributes,
    additionalLogAttributes: LogAttributes,
  ): LogItem {
    const base: LogAttributes = {
      level: attributes.logLevel,
      message: redact(attributes.message),
      timestamp: this.formatTimestamp(attributes.timestamp),
      service: attributes.serviceName,
      cold_start: attributes.lambdaContext?.coldStart,
      function_arn: attributes.lambdaContext?.invokedFunctionArn,
      function_memory_size: attributes.lambdaContext?.memoryLimitInMB,
      function_name: attributes.lambdaContext?.functionName,
      function_request_id: attributes.lambdaContext?.awsRequestId,
      sampling_rate: attributes.sampleRateValue,
      xray_trace_id: attributes.xRayTraceId,
    };
    return new LogItem({ attributes: base }).addAttributes(
      redactDeep(additionalLogAttributes) as LogAttributes,
    );
  }

  override formatError(error: Error): LogAttributes {
    return {
      name: error.name,
      location: this.getCodeLocation(error.stack),
      message: redact(error.message),
      stack: typeof error.stack === "string" ? redact(error.stack) : undefined,
      cause: error.cause instanceof Error ? this.formatError(error.cause) : undefined,
    };
  }
}

/** The one structured JSON logger every handler uses. It never logs the incoming event,
 * whatever `POWERTOOLS_LOGGER_LOG_EVENT` says: events carry customers' addresses. */
export const logger = new Logger({
  serviceName: "backorder-engine",
  logFormatter: new RedactingLogFormatter(),
});

/** How each handler attaches the logger to an invocation: fresh keys each time, and the
 * event never logged (the option outranks `POWERTOOLS_LOGGER_LOG_EVENT`). */
export const LOG_CONTEXT_OPTIONS = { resetKeys: true, logEvent: false } as const;
