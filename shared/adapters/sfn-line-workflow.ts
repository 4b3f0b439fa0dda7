import {
  DescribeExecutionCommand,
  ExecutionAlreadyExists,
  type ExecutionStatus,
  ListExecutionsCommand,
  StartExecutionCommand,
} from "@aws-sdk/client-sfn";
import { config } from "../config.ts";
import type { LineRun, LineWorkflow, LineWorkflowAdmin, StoppedRun } from "../ports/workflow.ts";
import { sfn } from "./aws-clients.ts";

/** Calls in flight at once when starting many lines. */
const PARALLEL = 10;

/** The execution input of a line run; the same run always gives the same text. */
export function lineRunInput(run: LineRun): string {
  return JSON.stringify({
    orderId: run.orderId,
    lineId: run.lineId,
    ...(run.notify ? { notify: run.notify } : {}),
  });
}

/**
 * Starts line executions on Step Functions. StartExecution with a name already used
 * answers with the running execution (same input) or ExecutionAlreadyExists: either way
 * the line has its execution, so a retried start is safe.
 */
async function startNamed(run: LineRun, name: string): Promise<void> {
  try {
    await sfn().send(
      new StartExecutionCommand({
        stateMachineArn: config.lineStateMachineArn(),
        name,
        input: lineRunInput(run),
      }),
    );
  } catch (error) {
    const exists =
      error instanceof ExecutionAlreadyExists ||
      (error instanceof Error && error.name === "ExecutionAlreadyExists");
    if (!exists) throw error;
  }
}

export const sfnLineWorkflow: LineWorkflow & LineWorkflowAdmin = {
  async start(runs) {
    for (let i = 0; i < runs.length; i += PARALLEL) {
      await Promise.all(
        runs.slice(i, i + PARALLEL).map((run) => startNamed(run, run.name ?? run.lineId)),
      );
    }
  },

  startNamed,

  async stoppedRuns(since, limit) {
    const stateMachineArn = config.lineStateMachineArn();
    const found: StoppedRun[] = [];
    for (const status of ["FAILED", "TIMED_OUT", "ABORTED"] as const) {
      let nextToken: string | undefined;
      do {
        const page = await sfn().send(
          new ListExecutionsCommand({
            stateMachineArn,
            statusFilter: status as ExecutionStatus,
            maxResults: 100,
            nextToken,
          }),
        );
        nextToken = page.nextToken;
        for (const execution of page.executions ?? []) {
          const stoppedAt = execution.stopDate ?? execution.startDate ?? new Date(0);
          // Newest first: once past the window, the rest of this status is older still.
          if (stoppedAt < since) {
            nextToken = undefined;
            break;
          }
          const described = await sfn().send(
            new DescribeExecutionCommand({ executionArn: execution.executionArn }),
          );
          const input = JSON.parse(described.input ?? "{}") as Partial<LineRun>;
          if (!input.orderId || !input.lineId) continue;
          found.push({
            name: execution.name ?? "",
            status,
            stoppedAt,
            orderId: input.orderId,
            lineId: input.lineId,
          });
          if (found.length >= limit) return found;
        }
      } while (nextToken);
    }
    return found;
  },
};
