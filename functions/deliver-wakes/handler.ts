import { scheduledTask } from "../../shared/scheduled/handler.ts";
import { appPorts } from "../../shared/services/deps.ts";
import { deliverOwedWakes } from "../../shared/services/wakes.ts";

/**
 * Every minute (locally on the virtual clock): wakes lines whose wake-up failed or was cut
 * off after the change that owed it (the wake outbox, shared/services/wakes.ts).
 */
export const handler = scheduledTask(() => deliverOwedWakes(appPorts()));
