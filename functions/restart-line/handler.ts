import { config } from "../../shared/config.ts";
import { eventTask } from "../../shared/events/handler.ts";
import { appPorts } from "../../shared/services/deps.ts";
import { restartOnStoppedEvent } from "../../shared/services/reconcile.ts";
import { executionStoppedEvent } from "../../shared/workflow/execution-events.ts";

/**
 * EventBridge "Step Functions Execution Status Change" (FAILED, TIMED_OUT, ABORTED) of a
 * line execution: restart the line from its persisted status, unless it moved on.
 */
export const handler = eventTask(executionStoppedEvent, async (event) => ({
  outcome: await restartOnStoppedEvent(appPorts(), event, config.lineStateMachineArn()),
}));
