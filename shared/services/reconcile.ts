import { logger } from "../logger.ts";
import type { AppPorts } from "../ports/app.ts";

export type ReconcileDeps = Pick<
  AppPorts,
  "orders" | "waits" | "workflowAdmin" | "clock" | "settings"
>;

/**
 * Lines whose execution failed, timed out or was aborted (a bug, an outage, a local stack
 * stopped mid-flow) are restarted: a new execution `<lineId>-r<n>` enters the machine at
 * the line's persisted status, and every step is idempotent, so nothing is charged, sent
 * or shipped twice. A line already running on a newer execution, or done, is left alone.
 */
export async function restartStoppedLines(deps: ReconcileDeps): Promise<string[]> {
  const since = new Date(
    deps.clock.now().getTime() - deps.settings.reconcileLookbackHours * 3_600_000,
  );
  const stopped = await deps.workflowAdmin.stoppedRuns(since, 1000);
  const restarted: string[] = [];
  for (const run of stopped) {
    const line = await deps.orders.getLine(run.orderId, run.lineId);
    // A delivered line may still owe its delivered email, a cancelled one the settling of
    // a charge left in flight; any other cancelled line is done.
    if (!line || (line.status === "cancelled" && !line.chargingAttempt)) continue;
    const current = line.executionName ?? line.lineId;
    if (run.name !== current) continue;
    const restarts = (line.executionRestarts ?? 0) + 1;
    // An abort (a stack stopped, an operator's StopExecution) is no sign of a fault: only
    // failures and timeouts count toward leaving the line to an operator.
    const failures = (line.executionFailures ?? 0) + (run.status === "ABORTED" ? 0 : 1);
    if (failures > deps.settings.maxExecutionRestarts) {
      logger.error("line execution keeps stopping; left for an operator", {
        orderId: line.orderId,
        lineId: line.lineId,
        execution: run.name,
        status: run.status,
      });
      continue;
    }
    const name = `${line.lineId}-r${restarts}`;
    await deps.workflowAdmin.startNamed({ orderId: line.orderId, lineId: line.lineId }, name);
    if (await deps.waits.recordExecutionRestart(line, current, name, { restarts, failures })) {
      restarted.push(line.lineId);
    }
  }
  return restarted;
}
