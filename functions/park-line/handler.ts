import { z } from "zod";
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
  const parked = await appStore().parkLine(orderId, lineId, taskToken, wait);
  if (!parked) throw new LineChangedError(`line ${lineId} changed before it parked (${wait})`);
  return { parked: true };
});
