import { scheduledTask } from "../../shared/scheduled/handler.ts";
import { placeOrderDeps } from "../../shared/services/deps.ts";
import { finishPendingOrders } from "../../shared/services/place-order.ts";

/**
 * On a schedule: an order whose API call died after its write (before its email went out
 * or its line executions started) is finished here, so nothing accepted is left waiting
 * on a client retry.
 */
export const handler = scheduledTask(async () => ({
  finishedOrders: await finishPendingOrders(placeOrderDeps()),
}));
