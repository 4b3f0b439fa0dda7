import { createHash } from "node:crypto";
import { StartExecutionCommand } from "@aws-sdk/client-sfn";
import { ulid } from "ulid";
import { config } from "../config.ts";
import type { BulkJob, BulkJobs } from "../ports/bulk.ts";
import { sfn } from "./aws-clients.ts";

/**
 * Bulk jobs as executions of the bulk machine (infra/constructs/bulk-workflow.ts). A
 * receipt's job is named after the receipt, so a repeated start runs it once while it
 * runs; a finished one's name is taken, and a later start (the warehouse retrying a
 * receipt whose job failed) gets a fresh name. Other jobs get fresh names: two at once
 * are safe, every job reads what is left.
 */
export const sfnBulkJobs: BulkJobs = {
  async start(job: BulkJob) {
    const input = JSON.stringify({ job });
    const name = executionName(job);
    try {
      await startExecution(name, input);
    } catch (error) {
      const taken = error instanceof Error && error.name === "ExecutionAlreadyExists";
      if (job.kind !== "receipt" || !taken) throw error;
      await startExecution(`${name}-${ulid()}`, input);
    }
  },
};

/** A receipt's job has its receipt's name; other jobs get fresh names. */
function executionName(job: BulkJob): string {
  return job.kind === "receipt"
    ? `receipt-${digest(job.receiptId)}`
    : `${job.kind}-${digest(job.sku)}-${ulid()}`;
}

/** Execution names allow 80 characters of [A-Za-z0-9-_]: ids are hashed into them. */
const digest = (id: string) => createHash("sha256").update(id).digest("base64url").slice(0, 22);

function startExecution(name: string, input: string) {
  return sfn().send(
    new StartExecutionCommand({ stateMachineArn: config.bulkStateMachineArn(), name, input }),
  );
}
