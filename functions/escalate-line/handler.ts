import { clock } from "../../shared/adapters/clock.ts";
import { config } from "../../shared/config.ts";
import { nextEscalation } from "../../shared/domain/escalation.ts";
import { appStore, notifyDeps } from "../../shared/services/deps.ts";
import { notifyCustomer } from "../../shared/services/notify.ts";
import { LineNotFoundError, lineTask, lineTaskInput } from "../../shared/workflow/handler.ts";

/**
 * Runs when a waiting line's timer falls due (the wait state's States.Timeout): the first
 * time its promised date passes the customer gets a delay notice; after that, a check-in
 * whenever the line has been silent for the configured number of days.
 */
export const handler = lineTask(lineTaskInput, async ({ orderId, lineId }) => {
  const store = appStore();
  const [order, line] = await Promise.all([
    store.getOrder(orderId),
    store.getLine(orderId, lineId),
  ]);
  if (!order || !line)
    throw new LineNotFoundError(`line ${lineId} of order ${orderId} does not exist`);
  if (line.status !== "backordered") return { escalated: null };
  const now = clock().now();
  const due = nextEscalation(
    {
      promisedBy: line.promisedBy,
      lastContactAt: new Date(line.lastContactAt),
      promiseEscalated: line.promiseEscalated,
    },
    { checkInAfterSilentDays: config.checkInAfterSilentDays() },
  );
  if (due.at > now) return { escalated: null };
  if (due.kind === "promise_passed") {
    await notifyCustomer(notifyDeps(), "delay_notice", order, [line], line.promisedBy);
    await store.markPromiseEscalated(orderId, lineId, now);
  } else {
    await notifyCustomer(notifyDeps(), "check_in", order, [line], line.lastContactAt);
  }
  return { escalated: due.kind };
});
