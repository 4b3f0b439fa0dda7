import { chargeLine } from "../../shared/services/charging.ts";
import { appPorts } from "../../shared/services/deps.ts";
import { lineTask, lineTaskInput } from "../../shared/workflow/handler.ts";

/** Line workflow: charge a line whose shipment is formed (idempotent per line and attempt). */
export const handler = lineTask(lineTaskInput, ({ orderId, lineId }) =>
  chargeLine(appPorts(), orderId, lineId),
);
