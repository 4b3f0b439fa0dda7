import { createHash } from "node:crypto";
import {
  EXECUTION_STATUS_CHANGE,
  STEP_FUNCTIONS_SOURCE,
} from "../../../shared/workflow/execution-events.ts";
import type { ExecutionRecord } from "./records.ts";

/** An EventBridge event, as EventBridge hands it to a target. */
export interface BusEvent {
  version: string;
  id: string;
  "detail-type": string;
  source: string;
  account: string;
  time: string;
  region: string;
  resources: string[];
  detail: Record<string, unknown>;
}

/**
 * The "Step Functions Execution Status Change" event of an execution as AWS sends it to
 * EventBridge: dates in epoch milliseconds, `input` as the JSON string it was started
 * with, absent values null. The id is the same for every delivery of one status change.
 */
export function executionStatusChange(
  record: ExecutionRecord,
  where: { region: string; account: string },
): BusEvent {
  const at = record.stopDate ?? record.startDate;
  return {
    version: "0",
    id: eventId(`${record.executionArn}#${record.status}`),
    "detail-type": EXECUTION_STATUS_CHANGE,
    source: STEP_FUNCTIONS_SOURCE,
    account: where.account,
    time: new Date(at).toISOString().replace(/\.\d{3}Z$/, "Z"),
    region: where.region,
    resources: [record.executionArn],
    detail: {
      executionArn: record.executionArn,
      stateMachineArn: record.stateMachineArn,
      name: record.name,
      status: record.status,
      startDate: record.startDate,
      stopDate: record.stopDate ?? null,
      input: record.input,
      inputDetails: { included: true },
      output: record.output ?? null,
      outputDetails: record.output === undefined ? null : { included: true },
      error: record.error ?? null,
      cause: record.cause ?? null,
    },
  };
}

/** A UUID-shaped id derived from `key`. */
function eventId(key: string): string {
  const hex = createHash("sha256").update(key).digest("hex");
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20, 32)}`;
}
