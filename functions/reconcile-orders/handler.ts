import { scheduledTask } from "../../shared/scheduled/handler.ts";
import { appPorts } from "../../shared/services/deps.ts";
import { finishPendingOrders } from "../../shared/services/place-order.ts";
import { restartStoppedLines } from "../../shared/services/reconcile.ts";

/**
 * On a schedule (and at start-up locally): finishes orders whose API call died after
 * the write (email, executions), and restarts lines whose execution failed or was
 * aborted, so nothing accepted is left waiting on a person.
 */
export const handler = scheduledTask(async () => ({
  finishedOrders: await finishPendingOrders(appPorts()),
  restartedLines: await restartStoppedLines(appPorts()),
}));
