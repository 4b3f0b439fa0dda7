import { appPorts } from "../../shared/services/deps.ts";
import { requestLineShipment } from "../../shared/services/shipping.ts";
import { lineTask, lineTaskInput } from "../../shared/workflow/handler.ts";

/** Line workflow: a charged line joins its shipment's request to the warehouse. */
export const handler = lineTask(lineTaskInput, ({ orderId, lineId }) =>
  requestLineShipment(appPorts(), orderId, lineId),
);
