import { clock } from "../../shared/adapters/clock.ts";
import { sfnLineWorkflow } from "../../shared/adapters/sfn-line-workflow.ts";
import { config } from "../../shared/config.ts";
import { scheduledTask } from "../../shared/scheduled/handler.ts";
import { appStore, placeOrderDeps } from "../../shared/services/deps.ts";
import { finishPendingOrders } from "../../shared/services/place-order.ts";
import { restartStoppedLines } from "../../shared/services/reconcile.ts";

/**
 * On a schedule (and at start-up locally): finishes orders whose API call died after
 * the write (email, executions), and restarts lines whose execution failed or was
 * aborted, so nothing accepted is left waiting on a person.
 */
export const handler = scheduledTask(async () => ({
  finishedOrders: await finishPendingOrders(placeOrderDeps()),
  restartedLines: await restartStoppedLines({
    store: appStore(),
    workflow: sfnLineWorkflow,
    clock: clock(),
    lookbackHours: config.reconcileLookbackHours(),
    maxRestarts: config.maxExecutionRestarts(),
  }),
}));
