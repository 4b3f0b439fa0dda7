import { monotonicFactory } from "ulid";
import { refusals } from "../domain/errors.ts";
import type { Shipment, ShipmentStatus } from "../domain/model.ts";
import { planShipment, shipmentLead } from "../domain/shipments.ts";
import type { AppPorts } from "../ports/app.ts";
import type { Page, PageRequest } from "../ports/paging.ts";
import { loadOrderLine, type OrderLines } from "./lines.ts";
import { notifyOnce } from "./notify.ts";
import { RACE_LOST, retryOnRace } from "./retry.ts";
import { wakeLines } from "./wakes.ts";

const nextUlid = monotonicFactory();

/**
 * Puts an allocated line into a shipment when its split policy allows (forming one of
 * every line ready with it), or says it must wait for its siblings. `read`: the order and
 * its lines as the caller has just read them (a workflow step); a race lost reads afresh.
 */
export async function planLineShipment(
  deps: Pick<AppPorts, "orders" | "shipments" | "signals" | "clock" | "rates">,
  orderId: string,
  lineId: string,
  read?: OrderLines,
): Promise<{ ready: boolean }> {
  return retryOnRace(`placing line ${lineId} in a shipment`, async (n) => {
    const { order, lines, line } =
      n === 1 && read ? read : await loadOrderLine(deps, orderId, lineId, read?.order);
    if (line.status !== "allocated") return { ready: true };
    const decision = planShipment(order.splitPolicy, order.maxShipments, lines, lineId);
    if (decision.kind === "assigned") return { ready: true };
    if (decision.kind === "wait") return { ready: false };
    const members = lines.filter((l) => decision.lineIds.includes(l.lineId));
    const now = deps.clock.now();
    const shipmentId = `shp_${nextUlid(now.getTime())}`;
    if (!(await deps.shipments.createShipment(order, members, shipmentId, now))) return RACE_LOST;
    const others = members.filter((m) => m.lineId !== lineId);
    await wakeLines(deps, others, "shipment formed");
    return { ready: true };
  });
}

/** Whether a line waiting for its group may stop waiting: its siblings let it ship now. */
export async function groupMayShip(
  deps: Pick<AppPorts, "orders">,
  orderId: string,
  lineId: string,
): Promise<boolean> {
  const { order, lines } = await loadOrderLine(deps, orderId, lineId);
  return planShipment(order.splitPolicy, order.maxShipments, lines, lineId).kind !== "wait";
}

/** A charged line joins its shipment's request to the warehouse (`read`: as planLineShipment). */
export async function requestLineShipment(
  deps: Pick<AppPorts, "orders" | "shipments" | "clock">,
  orderId: string,
  lineId: string,
  read?: OrderLines,
) {
  const { line, lines } = read ?? (await loadOrderLine(deps, orderId, lineId));
  if (line.status === "charged" || line.status === "shipment_requested") {
    const others = lines.filter((l) => l.shipmentId === line.shipmentId && l.lineId !== lineId);
    const last = others.every((l) => l.status === "shipment_requested" || l.status === "cancelled");
    await deps.shipments.requestShipmentLine(line, deps.clock.now(), { last });
  }
  return { status: line.status };
}

/**
 * The shipped or delivered email of a line's shipment, sent once for the whole shipment
 * by its lead line (every line runs this step; the others have nothing to do).
 */
export async function notifyShipment(
  deps: Pick<AppPorts, "orders" | "notify">,
  orderId: string,
  lineId: string,
  kind: "shipped" | "delivered",
  read?: OrderLines,
) {
  const { order, lines, line } = read ?? (await loadOrderLine(deps, orderId, lineId));
  if (!line.shipmentId) return { email: "none" };
  const members = lines.filter((l) => l.shipmentId === line.shipmentId);
  if (shipmentLead(members) !== lineId) return { email: "lead-sends" };
  const live = members.filter((l) => l.status !== "cancelled");
  return { email: await notifyOnce(deps.notify, kind, order, live, line.shipmentId) };
}

/** What the warehouse is asked to send (or has sent), oldest first, a page at a time. */
export function listShipments(
  deps: Pick<AppPorts, "shipments">,
  status: ShipmentStatus,
  page: PageRequest,
): Promise<Page<Shipment>> {
  return deps.shipments.listShipments(status, page);
}

type WarehouseDeps = Pick<AppPorts, "shipments" | "signals" | "clock" | "rates">;

/** The warehouse handed a requested shipment to the carrier (once, with one tracking number). */
export async function markShipped(
  deps: WarehouseDeps,
  shipmentId: string,
  carrier: string,
  trackingNumber: string,
): Promise<Shipment> {
  const outcome = await deps.shipments.shipShipment(
    shipmentId,
    carrier,
    trackingNumber,
    deps.clock.now(),
  );
  if (outcome === "not-found") throw refusals.notFound(`Shipment ${shipmentId}`);
  if (outcome === "not-requested") {
    throw refusals.conflict(
      "shipment-not-requested",
      "Shipment not requested",
      "Only a requested shipment can be shipped (once, with one tracking number).",
    );
  }
  return wakeShipmentLines(deps, shipmentId, "shipped");
}

/** The customer has a shipped shipment. */
export async function markDelivered(deps: WarehouseDeps, shipmentId: string): Promise<Shipment> {
  const outcome = await deps.shipments.deliverShipment(shipmentId, deps.clock.now());
  if (outcome === "not-found") throw refusals.notFound(`Shipment ${shipmentId}`);
  if (outcome === "not-shipped") {
    throw refusals.conflict(
      "shipment-not-shipped",
      "Shipment not shipped",
      "Only a shipped shipment can be delivered.",
    );
  }
  return wakeShipmentLines(deps, shipmentId, "delivered");
}

/** After a warehouse callback: wakes the shipment's lines so their executions go on. */
async function wakeShipmentLines(
  deps: WarehouseDeps,
  shipmentId: string,
  reason: string,
): Promise<Shipment> {
  const shipment = await deps.shipments.getShipment(shipmentId);
  if (!shipment) throw new Error(`shipment ${shipmentId} vanished`);
  // The lines were marked in the shipment's own write: a wake-up that fails now is
  // retried by the wake deliverer. A stale token is fine: that line reloads on its own.
  await wakeLines(
    deps,
    Object.keys(shipment.lines).map((lineId) => ({ orderId: shipment.orderId, lineId })),
    reason,
  );
  return shipment;
}
