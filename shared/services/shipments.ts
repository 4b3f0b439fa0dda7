import type { Shipment } from "../domain/model.ts";
import type { FulfilmentDeps } from "./fulfilment.ts";

/** After a warehouse callback: wakes the shipment's lines so their executions go on. */
export async function wakeShipmentLines(
  deps: FulfilmentDeps,
  shipmentId: string,
  reason: string,
): Promise<Shipment> {
  const shipment = await deps.fulfilment.getShipment(shipmentId);
  if (!shipment) throw new Error(`shipment ${shipmentId} vanished`);
  // A wake that fails (throttled) fails the call: the warehouse retries it, and the
  // callback is idempotent. A stale token is fine: that line reloads on its own.
  await Promise.all(
    Object.keys(shipment.lines).map((lineId) =>
      deps.signals.wake(shipment.orderId, lineId, reason),
    ),
  );
  return shipment;
}
