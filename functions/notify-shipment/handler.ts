import { z } from "zod";
import { appPorts } from "../../shared/services/deps.ts";
import { notifyShipment } from "../../shared/services/shipping.ts";
import { lineTask, lineTaskInput } from "../../shared/workflow/handler.ts";

const input = lineTaskInput.extend({ kind: z.enum(["shipped", "delivered"]) });

/** Line workflow: the shipment's shipped or delivered email, once per shipment. */
export const handler = lineTask(input, ({ orderId, lineId, kind }) =>
  notifyShipment(appPorts(), orderId, lineId, kind),
);
