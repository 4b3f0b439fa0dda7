import { feedbackEventSchema } from "../../shared/domain/email-feedback.ts";
import { eventTask } from "../../shared/events/handler.ts";
import { appPorts } from "../../shared/services/deps.ts";
import { recordEmailFeedback } from "../../shared/services/email-feedback.ts";

/** EventBridge: SES's bounce, complaint or reject of an email the engine sent. */
export const handler = eventTask(feedbackEventSchema, async (event) => ({
  outcome: await recordEmailFeedback(appPorts(), event),
}));
