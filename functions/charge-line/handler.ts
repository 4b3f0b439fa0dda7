import { fulfilmentDeps } from "../../shared/services/deps.ts";
import { chargeLine } from "../../shared/services/fulfilment.ts";
import { lineTask, lineTaskInput } from "../../shared/workflow/handler.ts";

/** Line workflow: charge a line whose shipment is formed (idempotent per line and attempt). */
export const handler = lineTask(lineTaskInput, ({ orderId, lineId }) =>
  chargeLine(fulfilmentDeps(), orderId, lineId),
);
