import { clock } from "../../shared/adapters/clock.ts";
import { secondsUntil } from "../../shared/domain/escalation.ts";
import type { LineStatus } from "../../shared/domain/line-states.ts";
import { appStore } from "../../shared/services/deps.ts";
import { nextEscalationOf } from "../../shared/services/line-context.ts";
import { LineNotFoundError, lineTask, lineTaskInput } from "../../shared/workflow/handler.ts";

export interface LoadedLine {
  status: LineStatus;
  /** Seconds until the line's next timer (escalation point) falls due. */
  waitSeconds: number;
}

/** Reads a line's persisted status, so the machine can be entered at any status. */
export const handler = lineTask(lineTaskInput, async ({ orderId, lineId }): Promise<LoadedLine> => {
  const line = await appStore().getLine(orderId, lineId);
  if (!line) throw new LineNotFoundError(`line ${lineId} of order ${orderId} does not exist`);
  const now = clock().now();
  const next = nextEscalationOf(line);
  return { status: line.status, waitSeconds: secondsUntil(next.at, now) };
});
