import { clock } from "../../shared/adapters/clock.ts";
import { config } from "../../shared/config.ts";
import { secondsUntil } from "../../shared/domain/escalation.ts";
import type { LineStatus } from "../../shared/domain/line-states.ts";
import type { Line } from "../../shared/domain/model.ts";
import { appStore } from "../../shared/services/deps.ts";
import { nextEscalationOf } from "../../shared/services/line-context.ts";
import { LineNotFoundError, lineTask, lineTaskInput } from "../../shared/workflow/handler.ts";

export interface LoadedLine {
  status: LineStatus;
  /** Seconds the line may wait where it parks next before it looks again. */
  waitSeconds: number;
  /** A charge to run: a declined line with a new payment method, or an attempt left in
   * flight (for a cancelled line: settled and refunded). */
  retryCharge: boolean;
}

/** How long a parked line waits before it re-checks itself, by what it waits for. */
function waitSecondsOf(line: Line, now: Date): number {
  if (line.status === "backordered") return secondsUntil(nextEscalationOf(line).at, now);
  if (line.status === "awaiting_payment" && line.paymentDueBy) {
    return secondsUntil(new Date(line.paymentDueBy), now);
  }
  return config.recheckSeconds();
}

/** Reads a line's persisted state, so the machine can be entered at any status. */
export const handler = lineTask(lineTaskInput, async ({ orderId, lineId }): Promise<LoadedLine> => {
  const line = await appStore().getLine(orderId, lineId);
  if (!line) throw new LineNotFoundError(`line ${lineId} of order ${orderId} does not exist`);
  return {
    status: line.status,
    waitSeconds: waitSecondsOf(line, clock().now()),
    retryCharge:
      line.status === "cancelled"
        ? Boolean(line.chargingAttempt)
        : Boolean(line.retryCharge || line.chargingAttempt),
  };
});
