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
  await Promise.all(
    Object.keys(shipment.lines).map((lineId) =>
      deps.signals.wake(shipment.orderId, lineId, reason).catch(() => "not-parked"),
    ),
  );
  return shipment;
}
