import {
  type Line,
  type Order,
  qtyBySku,
  type Shipment,
  type ShipmentStatus,
  shipmentSchema,
} from "../../domain/model.ts";
import type { Page, PageRequest } from "../../ports/paging.ts";
import type { DeliverOutcome, ShipmentStore, ShipOutcome } from "../../ports/shipments.ts";
import { shipUnits } from "./stock.ts";
import {
  type Item,
  keys,
  lineTransition,
  mergeParts,
  parseItem,
  putsIfAbsent,
  statusIn,
  Table,
  type TransactItem,
  type UpdateParts,
  wakeMark,
} from "./table.ts";

/** A shipment item: its `pending` lines are a string set (absent once none is left). */
function readShipment(item: Item): Shipment {
  const pending = item.pending instanceof Set ? [...(item.pending as Set<string>)] : [];
  return parseItem(shipmentSchema, { ...item, pending });
}

/**
 * A shipment's own status moves: only from `from`, re-indexed under the new status
 * (delivered shipments leave the index: nobody lists them).
 */
function shipmentStatus(to: ShipmentStatus, at: Date, from: ShipmentStatus[]): UpdateParts {
  const fromValues = Object.fromEntries(from.map((f, i) => [`:shipFrom${i}`, f]));
  const indexed = to !== "delivered";
  return {
    set: ["#status = :shipTo", `${to}At = :shipAt`, ...(indexed ? ["gsi1pk = :shipIndex"] : [])],
    remove: indexed ? [] : ["gsi1pk", "gsi1sk"],
    condition: [`#status IN (${Object.keys(fromValues).join(", ")})`],
    names: { "#status": "status" },
    values: {
      ":shipTo": to,
      ":shipAt": at.toISOString(),
      ...(indexed ? { ":shipIndex": `SHIPMENTS#${to}` } : {}),
      ...fromValues,
    },
  };
}

/** Shipments (pk SHIP#<id>, on gsi1 by status) and what they do to their lines. */
export class DynamoDbShipments implements ShipmentStore {
  constructor(private readonly table = new Table()) {}

  createShipment(
    order: Order,
    lines: readonly Line[],
    shipmentId: string,
    at: Date,
  ): Promise<boolean> {
    const createdAt = at.toISOString();
    const shipment: Shipment = {
      shipmentId,
      orderId: order.orderId,
      status: "forming",
      lines: Object.fromEntries(lines.map((l) => [l.lineId, { sku: l.sku, qty: l.qty }])),
      shippingAddress: order.shippingAddress,
      createdAt,
    };
    return this.table.transactIf([
      ...putsIfAbsent(this.table.name, [
        {
          ...keys.shipment(shipmentId),
          ...keys.shipmentsByStatus("forming", createdAt, shipmentId),
          type: "shipment",
          ...shipment,
          pending: new Set(lines.map((l) => l.lineId)),
        },
      ]),
      ...lines.map((l) => ({
        Update: this.table.update(
          keys.line(l.orderId, l.lineId),
          mergeParts(
            {
              set: ["shipmentId = :sid"],
              condition: ["(attribute_not_exists(shipmentId) OR shipmentId = :null)"],
              values: { ":sid": shipmentId, ":null": null },
            },
            statusIn("allocated"),
            // Its siblings waiting to ship with it go on now.
            wakeMark(at),
          ),
        ),
      })),
    ]);
  }

  async getShipment(shipmentId: string): Promise<Shipment | null> {
    const item = await this.table.get(keys.shipment(shipmentId));
    return item ? readShipment(item) : null;
  }

  async listShipments(status: ShipmentStatus, request: PageRequest): Promise<Page<Shipment>> {
    const partition = keys.shipmentsByStatus(status, "", "").gsi1pk;
    const page = await this.table.listPage(
      {
        IndexName: "gsi1",
        KeyConditionExpression: "gsi1pk = :pk",
        ExpressionAttributeValues: { ":pk": partition },
        ScanIndexForward: true,
      },
      { index: "gsi1", partition },
      request,
    );
    return { items: page.items.map(readShipment), next: page.next };
  }

  async requestShipmentLine(line: Line, at: Date): Promise<void> {
    if (!line.shipmentId) throw new Error(`line ${line.lineId} has no shipment`);
    if (line.status === "charged") {
      await this.table.transactIf([
        {
          Update: this.table.update(
            keys.line(line.orderId, line.lineId),
            lineTransition("shipment_requested", at),
          ),
        },
        {
          Update: this.table.update(keys.shipment(line.shipmentId), {
            delete: ["pending :line"],
            condition: ["attribute_exists(pk)"],
            values: { ":line": new Set([line.lineId]) },
          }),
        },
      ]);
    }
    await this.completeIfReady(line.shipmentId, at);
  }

  async removeFromShipment(shipmentId: string, lineId: string, at: Date): Promise<void> {
    const after = await this.table.updateReturning(keys.shipment(shipmentId), {
      remove: ["#lines.#line"],
      delete: ["pending :line"],
      condition: ["#status IN (:forming, :requested)"],
      names: { "#lines": "lines", "#line": lineId, "#status": "status" },
      values: { ":line": new Set([lineId]), ":forming": "forming", ":requested": "requested" },
    });
    if (!after) return;
    if (Object.keys(readShipment(after).lines).length === 0) {
      await this.table.updateIf(
        keys.shipment(shipmentId),
        shipmentStatus("cancelled", at, ["forming", "requested"]),
      );
      return;
    }
    await this.completeIfReady(shipmentId, at);
  }

  async shipShipment(
    shipmentId: string,
    carrier: string,
    trackingNumber: string,
    at: Date,
  ): Promise<ShipOutcome> {
    const shipment = await this.getShipment(shipmentId);
    if (!shipment) return "not-found";
    if (shipment.status === "shipped" || shipment.status === "delivered") {
      return shipment.trackingNumber === trackingNumber ? "already-shipped" : "not-requested";
    }
    if (shipment.status !== "requested") return "not-requested";
    const tracking: UpdateParts = {
      set: ["carrier = :carrier", "trackingNumber = :tracking"],
      values: { ":carrier": carrier, ":tracking": trackingNumber },
    };
    const items: TransactItem[] = [
      {
        Update: this.table.update(
          keys.shipment(shipmentId),
          mergeParts(shipmentStatus("shipped", at, ["requested"]), tracking),
        ),
      },
      ...Object.keys(shipment.lines).map((lineId) => ({
        Update: this.table.update(
          keys.line(shipment.orderId, lineId),
          mergeParts(lineTransition("shipped", at), tracking, wakeMark(at)),
        ),
      })),
      ...[...qtyBySku(Object.values(shipment.lines))].map(([sku, qty]) => ({
        Update: this.table.update(keys.sku(sku), shipUnits(qty)),
      })),
    ];
    return (await this.table.transactIf(items)) ? "shipped" : "not-requested";
  }

  async deliverShipment(shipmentId: string, at: Date): Promise<DeliverOutcome> {
    const shipment = await this.getShipment(shipmentId);
    if (!shipment) return "not-found";
    if (shipment.status === "delivered") return "already-delivered";
    if (shipment.status !== "shipped") return "not-shipped";
    const items: TransactItem[] = [
      {
        Update: this.table.update(
          keys.shipment(shipmentId),
          shipmentStatus("delivered", at, ["shipped"]),
        ),
      },
      ...Object.keys(shipment.lines).map((lineId) => ({
        Update: this.table.update(
          keys.line(shipment.orderId, lineId),
          mergeParts(lineTransition("delivered", at), wakeMark(at)),
        ),
      })),
    ];
    return (await this.table.transactIf(items)) ? "delivered" : "not-shipped";
  }

  /** A forming shipment with no line left to charge becomes requested. */
  private async completeIfReady(shipmentId: string, at: Date): Promise<void> {
    const shipment = await this.getShipment(shipmentId);
    if (shipment?.status !== "forming" || shipment.pending?.length) return;
    await this.table.updateIf(
      keys.shipment(shipmentId),
      mergeParts(shipmentStatus("requested", at, ["forming"]), {
        condition: ["attribute_not_exists(pending)"],
      }),
    );
  }
}
