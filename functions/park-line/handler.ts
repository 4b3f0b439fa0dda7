import * as z from "zod";
import { WAITS } from "../../shared/domain/waits.ts";
import { appPorts } from "../../shared/services/deps.ts";
import { parkLine } from "../../shared/services/line-waits.ts";
import { lineTask, lineTaskInput } from "../../shared/workflow/handler.ts";

const input = lineTaskInput.extend({ taskToken: z.string().min(1), wait: z.enum(WAITS) });

/** Line workflow, entered with `.waitForTaskToken`: parks the line on its task token. */
export const handler = lineTask(input, ({ orderId, lineId, taskToken, wait }) =>
  parkLine(appPorts(), orderId, lineId, taskToken, wait),
);
