import { appPorts } from "../../shared/services/deps.ts";
import { escalateLine } from "../../shared/services/escalate.ts";
import { lineTask, lineTaskInput } from "../../shared/workflow/handler.ts";

/** Line workflow: a waiting line's timer fell due (delay, consent deadline, check-in). */
export const handler = lineTask(lineTaskInput, ({ orderId, lineId }) =>
  escalateLine(appPorts(), orderId, lineId),
);
