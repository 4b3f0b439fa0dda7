import { clock } from "../../shared/adapters/clock.ts";
import { appStore, notifyDeps } from "../../shared/services/deps.ts";
import { loadOrderLine, nextEscalationOf } from "../../shared/services/line-context.ts";
import { notifyCustomer } from "../../shared/services/notify.ts";
import { lineTask, lineTaskInput } from "../../shared/workflow/handler.ts";

/**
 * Runs when a waiting line's timer falls due (the wait state's States.Timeout): the first
 * time its promised date passes the customer gets a delay notice; after that, a check-in
 * whenever the line has been silent for the configured number of days.
 */
export const handler = lineTask(lineTaskInput, async ({ orderId, lineId }) => {
  const store = appStore();
  const { order, line } = await loadOrderLine(store, orderId, lineId);
  if (line.status !== "backordered") return { escalated: null };
  const now = clock().now();
  const due = nextEscalationOf(line);
  if (due.at > now) return { escalated: null };
  if (due.kind === "promise_passed") {
    await notifyCustomer(notifyDeps(), "delay_notice", order, [line], line.promisedBy);
    await store.markPromiseEscalated(orderId, lineId, now);
  } else {
    await notifyCustomer(notifyDeps(), "check_in", order, [line], line.lastContactAt);
  }
  return { escalated: due.kind };
});
