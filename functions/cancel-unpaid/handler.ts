import { cancelUnpaid } from "../../shared/services/cancel.ts";
import { appPorts } from "../../shared/services/deps.ts";
import { lineTask, lineTaskInput } from "../../shared/workflow/handler.ts";

/** Line workflow: the payment window of a declined line closed; cancel it. */
export const handler = lineTask(lineTaskInput, ({ orderId, lineId }) =>
  cancelUnpaid(appPorts(), orderId, lineId),
);
