import { appPorts } from "../../shared/services/deps.ts";
import { ensureBackorderedEmail } from "../../shared/services/place-order.ts";
import { lineTask, lineTaskInput } from "../../shared/workflow/handler.ts";

/** Line workflow: the backstop of the API's `backordered` email. */
export const handler = lineTask(lineTaskInput, ({ orderId, lineId }) =>
  ensureBackorderedEmail(appPorts(), orderId, lineId),
);
