import type { WaitKind } from "../domain/waits.ts";
import type { AppPorts } from "../ports/app.ts";
import { LineChangedError } from "../workflow/errors.ts";
import { groupMayShip } from "./shipping.ts";

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
