import {
  DescribeExecutionCommand,
  ExecutionAlreadyExists,
  ExecutionDoesNotExist,
  StartExecutionCommand,
} from "@aws-sdk/client-sfn";
import { config } from "../config.ts";
import type {
  ExecutionState,
  ExecutionStatus,
  LineRun,
  LineWorkflow,
  LineWorkflowAdmin,
} from "../ports/workflow.ts";
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

  async describe(name) {
    try {
      const out = await sfn().send(
        new DescribeExecutionCommand({ executionArn: executionArn(name) }),
      );
      return {
        status: (out.status ?? "RUNNING") as ExecutionStatus,
        stoppedAt: out.stopDate ?? null,
      } satisfies ExecutionState;
    } catch (error) {
      if (isMissingExecution(error)) return null;
      throw error;
    }
  },
};

/** Step Functions' answer for an execution that does not exist. */
export function isMissingExecution(error: unknown): boolean {
  return (
    error instanceof ExecutionDoesNotExist ||
    (error instanceof Error && error.name === "ExecutionDoesNotExist")
  );
}

/** The ARN of the line machine's execution by that name. */
export function executionArn(name: string): string {
  const machine = config.lineStateMachineArn();
  return `${machine.replace(":stateMachine:", ":execution:")}:${name}`;
}
