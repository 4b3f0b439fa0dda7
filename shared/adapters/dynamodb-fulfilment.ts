import {
  GetCommand,
  QueryCommand,
  TransactWriteCommand,
  type TransactWriteCommandInput,
  UpdateCommand,
} from "@aws-sdk/lib-dynamodb";
import { config } from "../config.ts";
import type { LineStatus } from "../domain/line-states.ts";
import {
  type Line,
  type Order,
  qtyBySku,
  type Shipment,
  type ShipmentStatus,
} from "../domain/model.ts";
import type { FulfilmentStore, ShipOutcome } from "../ports/fulfilment.ts";
import { dynamo } from "./aws-clients.ts";
import {
  cancellationCodes,
  isConditionFailure,
  isRaceCode,
  keys,
  strip,
  updateIf,
} from "./dynamodb-store.ts";

type TransactItems = NonNullable<TransactWriteCommandInput["TransactItems"]>;

/**
 * Charges, shipments and cancels in the single table (docs/data-model.md):
 *   shipment  pk SHIP#<shipmentId> sk SHIP, gsi1pk SHIPMENTS#<status> gsi1sk <createdAt>#<id>
 * Every write is conditioned on the status it moves from, so a retried step or a race
 * with a cancel changes nothing twice.
 */
export const shipmentKey = (shipmentId: string) => ({ pk: `SHIP#${shipmentId}`, sk: "SHIP" });
const byStatus = (status: ShipmentStatus, createdAt: string, shipmentId: string) => ({
  gsi1pk: `SHIPMENTS#${status}`,
  gsi1sk: `${createdAt}#${shipmentId}`,
});

/** Counters a line's units are held in, by the status it leaves when cancelled. */
const HOLDS: Partial<Record<LineStatus, "allocated" | "backordered">> = {
  backordered: "backordered",
  allocated: "allocated",
  awaiting_payment: "allocated",
  charged: "allocated",
  shipment_requested: "allocated",
};

export class DynamoDbFulfilment implements FulfilmentStore {
  constructor(private readonly tableName: string = config.tableName()) {}

  async beginChargeAttempt(line: Line, paymentMethodRef: string): Promise<number | null> {
    if (line.chargingAttempt) return line.chargingAttempt;
    const previous = line.chargeAttempts ?? 0;
    // The attempt's key goes with its payment method: a resumed attempt reuses both.
    const started = await this.update(line, {
      set: "chargeAttempts = :n, chargingAttempt = :n, chargingMethod = :method, retryCharge = :false",
      condition:
        "#status IN (:allocated, :awaiting) AND " +
        "(attribute_not_exists(chargingAttempt) OR chargingAttempt = :null) AND " +
        "(attribute_not_exists(chargeAttempts) OR chargeAttempts = :previous)",
      values: {
        ":n": previous + 1,
        ":previous": previous,
        ":allocated": "allocated",
        ":awaiting": "awaiting_payment",
        ":null": null,
        ":method": paymentMethodRef,
        ":false": false,
      },
    });
    return started ? previous + 1 : null;
  }

  async recordCharge(
    line: Line,
    attempt: number,
    charge: NonNullable<Line["charge"]>,
    at: Date,
  ): Promise<boolean> {
    return this.update(line, {
      set: "#status = :charged, charge = :charge, history = list_append(history, :entry)",
      remove: "chargingAttempt, chargingMethod, paymentDueBy",
      condition: "#status IN (:allocated, :awaiting) AND chargingAttempt = :attempt",
      values: {
        ":charged": "charged",
        ":charge": charge,
        ":entry": [{ status: "charged", at: at.toISOString() }],
        ":allocated": "allocated",
        ":awaiting": "awaiting_payment",
        ":attempt": attempt,
      },
    });
  }

  async recordDecline(line: Line, attempt: number, dueBy: Date, at: Date): Promise<boolean> {
    const entry =
      line.status === "awaiting_payment"
        ? []
        : [{ status: "awaiting_payment", at: at.toISOString() }];
    return this.update(line, {
      // The payment window runs from the first decline; a later one does not extend it.
      set: "#status = :awaiting, paymentDueBy = if_not_exists(paymentDueBy, :due), history = list_append(history, :entry)",
      remove: "chargingAttempt, chargingMethod",
      condition: "#status IN (:allocated, :awaiting) AND chargingAttempt = :attempt",
      values: {
        ":awaiting": "awaiting_payment",
        ":allocated": "allocated",
        ":due": dueBy.toISOString(),
        ":entry": entry,
        ":attempt": attempt,
      },
    });
  }

  async requestChargeRetry(orderId: string, lineId: string): Promise<boolean> {
    return this.update(
      { orderId, lineId },
      {
        set: "retryCharge = :true",
        condition: "#status = :awaiting",
        values: { ":true": true, ":awaiting": "awaiting_payment" },
      },
    );
  }

  async setPaymentMethod(orderId: string, paymentMethodRef: string): Promise<void> {
    await dynamo().send(
      new UpdateCommand({
        TableName: this.tableName,
        Key: keys.order(orderId),
        UpdateExpression: "SET payment.paymentMethodRef = :ref",
        ConditionExpression: "attribute_exists(pk)",
        ExpressionAttributeValues: { ":ref": paymentMethodRef },
      }),
    );
  }

  async createShipment(
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
    const items: TransactItems = [
      {
        Put: {
          TableName: this.tableName,
          Item: {
            ...shipmentKey(shipmentId),
            ...byStatus("forming", createdAt, shipmentId),
            type: "shipment",
            ...shipment,
            pending: new Set(lines.map((l) => l.lineId)),
          },
          ConditionExpression: "attribute_not_exists(pk)",
        },
      },
      ...lines.map((l) => ({
        Update: {
          TableName: this.tableName,
          Key: keys.line(l.orderId, l.lineId),
          UpdateExpression: "SET shipmentId = :sid",
          ConditionExpression:
            "#status = :allocated AND (attribute_not_exists(shipmentId) OR shipmentId = :null)",
          ExpressionAttributeNames: { "#status": "status" },
          ExpressionAttributeValues: {
            ":sid": shipmentId,
            ":allocated": "allocated",
            ":null": null,
          },
        },
      })),
    ];
    return this.transact(items);
  }

  async getShipment(shipmentId: string): Promise<Shipment | null> {
    const out = await dynamo().send(
      new GetCommand({
        TableName: this.tableName,
        Key: shipmentKey(shipmentId),
        ConsistentRead: true,
      }),
    );
    return out.Item ? shipmentOf(out.Item) : null;
  }

  async listShipments(status: ShipmentStatus, limit = 100): Promise<Shipment[]> {
    const out = await dynamo().send(
      new QueryCommand({
        TableName: this.tableName,
        IndexName: "gsi1",
        KeyConditionExpression: "gsi1pk = :pk",
        ExpressionAttributeValues: { ":pk": `SHIPMENTS#${status}` },
        Limit: limit,
      }),
    );
    return (out.Items ?? []).map(shipmentOf);
  }

  async requestShipmentLine(line: Line, at: Date): Promise<void> {
    if (!line.shipmentId) throw new Error(`line ${line.lineId} has no shipment`);
    if (line.status === "charged") {
      await this.transact([
        {
          Update: {
            TableName: this.tableName,
            Key: keys.line(line.orderId, line.lineId),
            UpdateExpression: "SET #status = :requested, history = list_append(history, :entry)",
            ConditionExpression: "#status = :charged",
            ExpressionAttributeNames: { "#status": "status" },
            ExpressionAttributeValues: {
              ":requested": "shipment_requested",
              ":charged": "charged",
              ":entry": [{ status: "shipment_requested", at: at.toISOString() }],
            },
          },
        },
        {
          Update: {
            TableName: this.tableName,
            Key: shipmentKey(line.shipmentId),
            UpdateExpression: "DELETE pending :line",
            ConditionExpression: "attribute_exists(pk)",
            ExpressionAttributeValues: { ":line": new Set([line.lineId]) },
          },
        },
      ]);
    }
    await this.completeIfReady(line.shipmentId, at);
  }

  async removeFromShipment(shipmentId: string, lineId: string, at: Date): Promise<void> {
    const out = await dynamo()
      .send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: shipmentKey(shipmentId),
          UpdateExpression: "REMOVE #lines.#line DELETE pending :line",
          ConditionExpression: "#status IN (:forming, :requested)",
          ExpressionAttributeNames: { "#lines": "lines", "#line": lineId, "#status": "status" },
          ExpressionAttributeValues: {
            ":line": new Set([lineId]),
            ":forming": "forming",
            ":requested": "requested",
          },
          ReturnValues: "ALL_NEW",
        }),
      )
      .catch((error: unknown) => {
        if (isConditionFailure(error)) return null;
        throw error;
      });
    const after = out?.Attributes;
    if (!after) return;
    if (Object.keys((after.lines as Record<string, unknown>) ?? {}).length === 0) {
      await this.setShipmentStatus(shipmentId, ["forming", "requested"], "cancelled", at);
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
    const when = at.toISOString();
    const bySku = qtyBySku(Object.values(shipment.lines));
    const items: TransactItems = [
      {
        Update: {
          TableName: this.tableName,
          Key: shipmentKey(shipmentId),
          UpdateExpression:
            "SET #status = :shipped, carrier = :carrier, trackingNumber = :tracking, shippedAt = :at, gsi1pk = :gsi",
          ConditionExpression: "#status = :requested",
          ExpressionAttributeNames: { "#status": "status" },
          ExpressionAttributeValues: {
            ":shipped": "shipped",
            ":requested": "requested",
            ":carrier": carrier,
            ":tracking": trackingNumber,
            ":at": when,
            ":gsi": "SHIPMENTS#shipped",
          },
        },
      },
      ...Object.keys(shipment.lines).map((lineId) => ({
        Update: {
          TableName: this.tableName,
          Key: keys.line(shipment.orderId, lineId),
          UpdateExpression:
            "SET #status = :shipped, carrier = :carrier, trackingNumber = :tracking, history = list_append(history, :entry)",
          ConditionExpression: "#status = :requested",
          ExpressionAttributeNames: { "#status": "status" },
          ExpressionAttributeValues: {
            ":shipped": "shipped",
            ":requested": "shipment_requested",
            ":carrier": carrier,
            ":tracking": trackingNumber,
            ":entry": [{ status: "shipped", at: when }],
          },
        },
      })),
      // The units leave the warehouse: no longer on hand, no longer held for the line.
      ...[...bySku].map(([sku, qty]) => ({
        Update: {
          TableName: this.tableName,
          Key: keys.sku(sku),
          UpdateExpression:
            "SET onHand = onHand - :q, allocated = allocated - :q, committed = committed - :q",
          ConditionExpression: "attribute_exists(pk)",
          ExpressionAttributeValues: { ":q": qty },
        },
      })),
    ];
    return (await this.transact(items)) ? "shipped" : "not-requested";
  }

  async deliverShipment(
    shipmentId: string,
    at: Date,
  ): Promise<"delivered" | "already-delivered" | "not-shipped" | "not-found"> {
    const shipment = await this.getShipment(shipmentId);
    if (!shipment) return "not-found";
    if (shipment.status === "delivered") return "already-delivered";
    if (shipment.status !== "shipped") return "not-shipped";
    const when = at.toISOString();
    const items: TransactItems = [
      {
        Update: {
          TableName: this.tableName,
          Key: shipmentKey(shipmentId),
          UpdateExpression: "SET #status = :delivered, deliveredAt = :at REMOVE gsi1pk, gsi1sk",
          ConditionExpression: "#status = :shipped",
          ExpressionAttributeNames: { "#status": "status" },
          ExpressionAttributeValues: {
            ":delivered": "delivered",
            ":shipped": "shipped",
            ":at": when,
          },
        },
      },
      ...Object.keys(shipment.lines).map((lineId) => ({
        Update: {
          TableName: this.tableName,
          Key: keys.line(shipment.orderId, lineId),
          UpdateExpression: "SET #status = :delivered, history = list_append(history, :entry)",
          ConditionExpression: "#status = :shipped",
          ExpressionAttributeNames: { "#status": "status" },
          ExpressionAttributeValues: {
            ":delivered": "delivered",
            ":shipped": "shipped",
            ":entry": [{ status: "delivered", at: when }],
          },
        },
      })),
    ];
    return (await this.transact(items)) ? "delivered" : "not-shipped";
  }

  async cancelLine(line: Line, from: LineStatus, at: Date): Promise<boolean> {
    const hold = HOLDS[from];
    if (!hold) return false;
    const q = line.qty;
    const sku: { expr: string; names: Record<string, string> } =
      hold === "backordered"
        ? {
            expr: "SET backorderedQty = backorderedQty - :q, committed = committed - :q, atp = atp + :q",
            names: {},
          }
        : {
            expr: "SET allocated = allocated - :q, committed = committed - :q, atp = atp + :q, #free = #free + :q",
            names: { "#free": "free" },
          };
    return this.transact([
      {
        Update: {
          TableName: this.tableName,
          Key: keys.line(line.orderId, line.lineId),
          UpdateExpression:
            "SET #status = :cancelled, history = list_append(history, :entry) REMOVE gsi1pk, gsi1sk",
          ConditionExpression: "#status = :from",
          ExpressionAttributeNames: { "#status": "status" },
          ExpressionAttributeValues: {
            ":cancelled": "cancelled",
            ":from": from,
            ":entry": [{ status: "cancelled", at: at.toISOString() }],
          },
        },
      },
      {
        Update: {
          TableName: this.tableName,
          Key: keys.sku(line.sku),
          UpdateExpression: sku.expr,
          ConditionExpression: "attribute_exists(pk)",
          ...(Object.keys(sku.names).length ? { ExpressionAttributeNames: sku.names } : {}),
          ExpressionAttributeValues: { ":q": q },
        },
      },
    ]);
  }

  async recordRefund(line: Line, refund: NonNullable<Line["refund"]>): Promise<void> {
    await this.update(line, {
      set: "refund = :refund",
      remove: "chargingAttempt, chargingMethod",
      condition: "attribute_exists(pk)",
      values: { ":refund": refund },
    });
  }

  async settleCancelledAttempt(line: Line, attempt: number): Promise<void> {
    await this.update(line, {
      set: "chargeAttempts = :n",
      remove: "chargingAttempt, chargingMethod",
      condition: "#status = :cancelled AND chargingAttempt = :n",
      values: { ":n": attempt, ":cancelled": "cancelled" },
    });
  }

  /** A forming shipment with no line left to charge becomes requested. */
  private async completeIfReady(shipmentId: string, at: Date): Promise<void> {
    const shipment = await dynamo().send(
      new GetCommand({
        TableName: this.tableName,
        Key: shipmentKey(shipmentId),
        ConsistentRead: true,
      }),
    );
    const item = shipment.Item;
    if (item?.status !== "forming" || item.pending) return;
    await this.setShipmentStatus(shipmentId, ["forming"], "requested", at);
  }

  private async setShipmentStatus(
    shipmentId: string,
    from: ShipmentStatus[],
    to: ShipmentStatus,
    at: Date,
  ): Promise<void> {
    const values: Record<string, unknown> = {
      ":to": to,
      ":gsi": `SHIPMENTS#${to}`,
      ":at": at.toISOString(),
    };
    from.forEach((f, i) => {
      values[`:from${i}`] = f;
    });
    await dynamo()
      .send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: shipmentKey(shipmentId),
          UpdateExpression: `SET #status = :to, gsi1pk = :gsi, ${to}At = :at`,
          ConditionExpression: `#status IN (${from.map((_, i) => `:from${i}`).join(", ")})${
            to === "requested" ? " AND attribute_not_exists(pending)" : ""
          }`,
          ExpressionAttributeNames: { "#status": "status" },
          ExpressionAttributeValues: values,
        }),
      )
      .catch((error: unknown) => {
        if (!isConditionFailure(error)) throw error;
      });
  }

  private update(
    line: Pick<Line, "orderId" | "lineId">,
    spec: { set: string; remove?: string; condition: string; values: Record<string, unknown> },
  ): Promise<boolean> {
    return updateIf({
      TableName: this.tableName,
      Key: keys.line(line.orderId, line.lineId),
      UpdateExpression: `SET ${spec.set}${spec.remove ? ` REMOVE ${spec.remove}` : ""}`,
      ConditionExpression: spec.condition,
      ...(spec.condition.includes("#status") || spec.set.includes("#status")
        ? { ExpressionAttributeNames: { "#status": "status" } }
        : {}),
      ExpressionAttributeValues: spec.values,
    });
  }

  /** Runs a transaction; false when it lost a race (a condition failed or it conflicted). */
  private async transact(items: TransactItems): Promise<boolean> {
    try {
      await dynamo().send(new TransactWriteCommand({ TransactItems: items }));
      return true;
    } catch (error) {
      const codes = cancellationCodes(error);
      if (codes?.every((c) => c === "None" || isRaceCode(c))) return false;
      throw error;
    }
  }
}

function shipmentOf(item: Record<string, unknown>): Shipment {
  const shipment = strip<Shipment & { pending?: Set<string> }>(item);
  return {
    ...shipment,
    pending: shipment.pending ? [...shipment.pending] : [],
  };
}
