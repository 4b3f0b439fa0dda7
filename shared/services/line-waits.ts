import { secondsUntil } from "../domain/escalation.ts";
import type { LineStatus } from "../domain/line-states.ts";
import type { Line } from "../domain/model.ts";
import type { WaitKind } from "../domain/waits.ts";
import type { AppPorts } from "../ports/app.ts";
import { LineChangedError, LineNotFoundError } from "../workflow/errors.ts";
import { nextEscalationOf } from "./lines.ts";
import { groupMayShip } from "./shipping.ts";

export interface LoadedLine {
  status: LineStatus;
  /** Seconds the line may wait where it parks next before it looks again. */
  waitSeconds: number;
  /** A charge to run: a declined line with a new payment method, or an attempt left in
   * flight (for a cancelled line: settled and refunded). */
  retryCharge: boolean;
}

type LoadDeps = Pick<AppPorts, "orders" | "clock" | "settings">;

/** How long a parked line waits before it re-checks itself, by what it waits for. */
function waitSecondsOf(deps: LoadDeps, line: Line): number {
  const now = deps.clock.now();
  if (line.status === "backordered") {
    return secondsUntil(nextEscalationOf(line, deps.settings.checkInAfterSilentDays).at, now);
  }
  if (line.status === "awaiting_payment" && line.paymentDueBy) {
    return secondsUntil(new Date(line.paymentDueBy), now);
  }
  return deps.settings.recheckSeconds;
}

/** A line's persisted state as the machine routes on it, so it can be entered anywhere. */
export async function loadLineState(
  deps: LoadDeps,
  orderId: string,
  lineId: string,
): Promise<LoadedLine> {
  const line = await deps.orders.getLine(orderId, lineId);
  if (!line) throw new LineNotFoundError(`line ${lineId} of order ${orderId} does not exist`);
  return {
    status: line.status,
    waitSeconds: waitSecondsOf(deps, line),
    retryCharge:
      line.status === "cancelled"
        ? Boolean(line.chargingAttempt)
        : Boolean(line.retryCharge || line.chargingAttempt),
  };
}

/**
 * Parks a line on its task token if what it waits for has not happened yet; if it has,
 * fails with LineChanged so the machine reloads the line at once instead of waiting for a
 * wake-up that already came.
 */
export async function parkLine(
  deps: Pick<AppPorts, "waits" | "orders">,
  orderId: string,
  lineId: string,
  token: string,
  wait: WaitKind,
): Promise<{ parked: true }> {
  if (!(await deps.waits.parkLine(orderId, lineId, token, wait))) {
    throw new LineChangedError(`line ${lineId} changed before it parked (${wait})`);
  }
  // What a group waits for is its siblings: one may have changed since the plan, before
  // the token above was recorded (its wake-up then found no token). Look again.
  if (wait === "group" && (await groupMayShip(deps, orderId, lineId))) {
    throw new LineChangedError(`line ${lineId} may ship now`);
  }
  return { parked: true };
}
