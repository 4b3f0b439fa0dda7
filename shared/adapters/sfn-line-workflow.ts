import { ExecutionAlreadyExists, StartExecutionCommand } from "@aws-sdk/client-sfn";
import { config } from "../config.ts";
import type { LineRun, LineWorkflow } from "../ports/workflow.ts";
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
export const sfnLineWorkflow: LineWorkflow = {
  async start(runs) {
    const stateMachineArn = config.lineStateMachineArn();
    for (let i = 0; i < runs.length; i += PARALLEL) {
      await Promise.all(
        runs.slice(i, i + PARALLEL).map(async (run) => {
          try {
            await sfn().send(
              new StartExecutionCommand({
                stateMachineArn,
                name: run.lineId,
                input: lineRunInput(run),
              }),
            );
          } catch (error) {
            const exists =
              error instanceof ExecutionAlreadyExists ||
              (error instanceof Error && error.name === "ExecutionAlreadyExists");
            if (!exists) throw error;
          }
        }),
      );
    }
  },
};
