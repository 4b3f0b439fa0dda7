import { z } from "zod";
import { planShipment } from "../../shared/domain/shipments.ts";
import { appStore } from "../../shared/services/deps.ts";
import { LineChangedError, lineTask, lineTaskInput } from "../../shared/workflow/handler.ts";
import { WAITS } from "../../shared/workflow/waits.ts";

const input = lineTaskInput.extend({ taskToken: z.string().min(1), wait: z.enum(WAITS) });

/**
 * Entered with `.waitForTaskToken`: records the token the line is resumed with, if what
 * it waits for has not happened yet; if it has, fails with LineChanged so the machine
 * reloads the line at once instead of waiting for a wake-up that already came.
 */
export const handler = lineTask(input, async ({ orderId, lineId, taskToken, wait }) => {
  const store = appStore();
  const parked = await store.parkLine(orderId, lineId, taskToken, wait);
  if (!parked) throw new LineChangedError(`line ${lineId} changed before it parked (${wait})`);
  if (wait === "group") {
    // What a group waits for is its siblings: one may have changed since the plan, before
    // the token above was recorded (its wake-up then found no token). Look again.
    const [order, lines] = await Promise.all([store.getOrder(orderId), store.listLines(orderId)]);
    if (
      order &&
      planShipment(order.splitPolicy, order.maxShipments, lines, lineId).kind !== "wait"
    ) {
      throw new LineChangedError(`line ${lineId} may ship now`);
    }
  }
  return { parked: true };
});
