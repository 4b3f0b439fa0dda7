import type { LineStatus } from "./line-states.ts";
import type { SplitPolicy } from "./model.ts";

/**
 * Shipment grouping by the order's split policy (contract §5). Decided when a line is
 * allocated, before it is charged: a line is charged only once its shipment is formed.
 */
export interface ShipLine {
  lineId: string;
  status: LineStatus;
  shipmentId?: string | null;
}

export type ShipDecision =
  /** The line already belongs to a shipment: charge it. */
  | { kind: "assigned"; shipmentId: string }
  /** Form a shipment of these lines (this one among them), then charge. */
  | { kind: "ship"; lineIds: string[] }
  /** Wait for siblings (ship_complete, or the last of max_shipments). */
  | { kind: "wait" };

export function planShipment(
  policy: SplitPolicy,
  maxShipments: number | undefined,
  lines: readonly ShipLine[],
  lineId: string,
): ShipDecision {
  const me = lines.find((l) => l.lineId === lineId);
  if (!me) throw new RangeError(`line ${lineId} is not in the order`);
  if (me.shipmentId) return { kind: "assigned", shipmentId: me.shipmentId };
  if (me.status !== "allocated") return { kind: "wait" };
  const live = lines.filter((l) => l.status !== "cancelled");
  const ready = live.filter((l) => l.status === "allocated" && !l.shipmentId).map((l) => l.lineId);
  const stillWaiting = live.some((l) => l.status === "backordered");
  const used = new Set(live.map((l) => l.shipmentId).filter((id): id is string => Boolean(id)));
  const ship: ShipDecision = { kind: "ship", lineIds: ready };
  switch (policy) {
    case "ship_as_available":
      return ship;
    case "ship_complete":
      return stillWaiting ? { kind: "wait" } : ship;
    case "max_shipments": {
      const isLast = used.size >= (maxShipments ?? 1) - 1;
      return isLast && stillWaiting ? { kind: "wait" } : ship;
    }
  }
}

/** The line that sends a shipment's emails: the first live one by id. */
export function shipmentLead(lines: readonly ShipLine[]): string | undefined {
  return lines
    .filter((l) => l.status !== "cancelled")
    .map((l) => l.lineId)
    .sort()[0];
}
