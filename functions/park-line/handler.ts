import { z } from "zod";
import { appStore } from "../../shared/services/deps.ts";
import { lineTask, lineTaskInput } from "../../shared/workflow/handler.ts";

const input = lineTaskInput.extend({ taskToken: z.string().min(1) });

/**
 * Entered with `.waitForTaskToken`: records the token the line is resumed with. Whoever
 * changes the line's status (an allocation, a cancel) resumes it with this token.
 */
export const handler = lineTask(input, async ({ orderId, lineId, taskToken }) => {
  await appStore().setWaitToken(orderId, lineId, taskToken);
  return { parked: true };
});
