import { appStore, notifyDeps } from "../../shared/services/deps.ts";
import { loadOrderLine } from "../../shared/services/line-context.ts";
import { notifyCustomer } from "../../shared/services/notify.ts";
import { backorderedAtIntake } from "../../shared/services/place-order.ts";
import {
  lineTask,
  lineTaskInput,
  NotificationInFlightError,
} from "../../shared/workflow/handler.ts";

/**
 * First task of a line backordered at intake: makes sure the order's `backordered` email
 * went out. The API sends it as it takes the order; this is the backstop if that send
 * failed or was cut off. The email is claimed per event, so it is sent once.
 */
export const handler = lineTask(lineTaskInput, async ({ orderId, lineId }) => {
  const { order } = await loadOrderLine(appStore(), orderId, lineId);
  const waiting = backorderedAtIntake(await appStore().listLines(orderId));
  if (waiting.length === 0) return { email: "none" };
  const outcome = await notifyCustomer(notifyDeps(), "backordered", order, waiting);
  if (outcome === "in-flight") {
    throw new NotificationInFlightError(`the backordered email of order ${orderId} is in flight`);
  }
  return { email: outcome };
});
