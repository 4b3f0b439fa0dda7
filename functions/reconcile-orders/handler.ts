import { scheduledTask } from "../../shared/scheduled/handler.ts";
import { appPorts } from "../../shared/services/deps.ts";
import { finishPendingOrders } from "../../shared/services/place-order.ts";
import { resumeUnfinishedReceipts } from "../../shared/services/receive.ts";
import { sweepLiveLines } from "../../shared/services/reconcile.ts";

/**
 * On a schedule (and at start-up locally): finishes orders whose API call died after
 * the write (email, executions), hands receipts recorded but never finished to bulk jobs,
 * and, as the backstop of the event-driven restart
 * (restart-line), restarts lines whose execution stopped or never started, so nothing
 * accepted is left waiting on a person.
 */
export const handler = scheduledTask(async ({ timeLeftMs }) => {
  const finishedOrders = await finishPendingOrders(appPorts());
  const resumedReceipts = await resumeUnfinishedReceipts(appPorts());
  const sweep = await sweepLiveLines(appPorts(), { timeLeftMs });
  return {
    finishedOrders,
    resumedReceipts,
    checkedLines: sweep.checked,
    restartedLines: sweep.restarted,
    errors: sweep.errors,
    sweepComplete: sweep.complete,
  };
});
