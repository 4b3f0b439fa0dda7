import { appPorts } from "../../shared/services/deps.ts";
import { loadLineState } from "../../shared/services/line-waits.ts";
import { lineTask, lineTaskInput } from "../../shared/workflow/handler.ts";

/** Line workflow: reads a line's persisted state, so the machine can be entered anywhere. */
export const handler = lineTask(lineTaskInput, ({ orderId, lineId }) =>
  loadLineState(appPorts(), orderId, lineId),
);
