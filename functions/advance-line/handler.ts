import { z } from "zod";
import { advanceLine } from "../../shared/services/advance.ts";
import { appPorts } from "../../shared/services/deps.ts";
import { lineTask, lineTaskInput } from "../../shared/workflow/handler.ts";

const input = lineTaskInput.extend({
  /** The execution's state: `notify` is set on a line's first execution only. */
  execution: z.object({ notify: z.enum(["backordered"]).nullish() }).optional(),
});

/** Line workflow: move the line on as far as it can go now; say what it waits for next. */
export const handler = lineTask(input, ({ orderId, lineId, execution }) =>
  advanceLine(appPorts(), orderId, lineId, { notify: execution?.notify }),
);
