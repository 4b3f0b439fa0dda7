import { appPorts } from "../../shared/services/deps.ts";
import { planLineShipment } from "../../shared/services/shipping.ts";
import { lineTask, lineTaskInput } from "../../shared/workflow/handler.ts";

/** Line workflow: put an allocated line in a shipment, or say it waits for its siblings. */
export const handler = lineTask(lineTaskInput, ({ orderId, lineId }) =>
  planLineShipment(appPorts(), orderId, lineId),
);
