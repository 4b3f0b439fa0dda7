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
  forEachLimited,
  type Item,
  keys,
  lineTransition,
  MAX_TRANSACTION_ITEMS,
  mergeParts,
  parseItem,
  putsIfAbsent,
  readLine,
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

/** Rounds of a move in steps that lost a race before the call gives up (and is retried). */
const MOVE_ATTEMPTS = 8;

/** A shipment's line as it is moved. */
interface MovingLine {
  lineId: string;
  orderId: string;
  sku: string;
  qty: number;
}

/** The tracking number a shipment is being shipped with, in steps. */
interface ShippingClaim {
  carrier: string;
  trackingNumber: string;
}

function shippingClaimOf(item: Item): ShippingClaim | null {
  const claim = item.shipping as Partial<ShippingClaim> | undefined;
  return claim?.trackingNumber && claim.carrier
    ? { carrier: claim.carrier, trackingNumber: claim.trackingNumber }
    : null;
}

function trackingParts(carrier: string, trackingNumber: string): UpdateParts {
  return {
    set: ["carrier = :carrier", "trackingNumber = :tracking"],
    values: { ":carrier": carrier, ":tracking": trackingNumber },
  };
}

/**
 * Lines in batches of at most `room` transaction items: a line is one, and with
 * `countSkus` each SKU of the batch is one more (its counters move in the same
 * transaction).
 */
function batchesOf(lines: readonly MovingLine[], room: number, countSkus: boolean) {
  const batches: MovingLine[][] = [];
  let batch: MovingLine[] = [];
  let skus = new Set<string>();
  for (const line of lines) {
    const cost = 1 + (countSkus && !skus.has(line.sku) ? 1 : 0);
    if (batch.length + (countSkus ? skus.size : 0) + cost > room) {
      batches.push(batch);
      batch = [];
      skus = new Set();
    }
    batch.push(line);
    skus.add(line.sku);
  }
  if (batch.length > 0) batches.push(batch);
  return batches;
}

/** A new shipment's item: forming, every line pending (to be charged), on the status index. */
function shipmentItem(order: Order, lines: readonly Line[], shipmentId: string, at: Date): Item {
  const createdAt = at.toISOString();
  const shipment: Shipment = {
    shipmentId,
    orderId: order.orderId,
    status: "forming",
    lines: Object.fromEntries(lines.map((l) => [l.lineId, { sku: l.sku, qty: l.qty }])),
    shippingAddress: order.shippingAddress,
    createdAt,
  };
  return {
    ...keys.shipment(shipmentId),
    ...keys.shipmentsByStatus("forming", createdAt, shipmentId),
    type: "shipment",
    ...shipment,
    pending: new Set(lines.map((l) => l.lineId)),
  };
}

/** An allocated line in no shipment yet (or already in this one) joins it; its siblings
 * waiting to ship with it go on now. */
function joinShipment(shipmentId: string, at: Date): UpdateParts {
  return mergeParts(
    {
      set: ["shipmentId = :sid"],
      condition: ["(attribute_not_exists(shipmentId) OR shipmentId = :null OR shipmentId = :sid)"],
      values: { ":sid": shipmentId, ":null": null },
    },
    statusIn("allocated"),
    wakeMark(at),
  );
}

/**
 * Shipments (pk SHIP#<id>, on gsi1 by status) and what they do to their lines. A shipment
 * whose writes fit one transaction (100 items) is formed, shipped and delivered in one; a
 * bigger one in steps that any retry finishes: formed under a claim on its order (no two
 * formations of an order at once), shipped under a claim for its tracking number, each
 * step moving lines together with the units they take off their SKUs.
 */
export class DynamoDbShipments implements ShipmentStore {
  constructor(private readonly table = new Table()) {}

  async createShipment(
    order: Order,
    lines: readonly Line[],
    shipmentId: string,
    at: Date,
  ): Promise<boolean> {
    const item = shipmentItem(order, lines, shipmentId, at);
    const joins = lines.map((l) => ({
      Update: this.table.update(keys.line(l.orderId, l.lineId), joinShipment(shipmentId, at)),
    }));
    // The shipment, its lines and the order's check that no formation in steps is under way.
    if (joins.length + 2 <= MAX_TRANSACTION_ITEMS) {
      const formed = await this.table.transactIf([
        ...putsIfAbsent(this.table.name, [item]),
        ...joins,
        {
          ConditionCheck: {
            TableName: this.table.name,
            Key: keys.order(order.orderId),
            ConditionExpression: "attribute_not_exists(forming)",
          },
        },
      ]);
      if (!formed) await this.finishFormationOf(order.orderId, at);
      return formed;
    }
    // Too many lines for one transaction: the order is claimed for this shipment in the
    // same write that stores it, then the lines join it in steps (below).
    const claimed = await this.table.transactIf([
      {
        Update: this.table.update(keys.order(order.orderId), {
          set: ["forming = :forming"],
          condition: ["attribute_exists(pk)", "attribute_not_exists(forming)"],
          values: { ":forming": shipmentId },
        }),
      },
      ...putsIfAbsent(this.table.name, [{ ...item, joining: true }]),
    ]);
    if (!claimed) {
      await this.finishFormationOf(order.orderId, at);
      return false;
    }
    return this.finishFormation(order.orderId, shipmentId, at);
  }

  /** Finishes the formation in steps the order is claimed for, if any (another line's, or
   * one cut off), so that no two formations of one order ever run at once. */
  private async finishFormationOf(orderId: string, at: Date): Promise<void> {
    const forming = (await this.table.get(keys.order(orderId)))?.forming;
    if (typeof forming === "string") await this.finishFormation(orderId, forming, at);
  }

  /**
   * A shipment formed in steps: each line it was formed of joins it (idempotent: a line
   * already in it is fine; one that moved meanwhile, e.g. cancelled, does not join), the
   * shipment keeps only the lines that joined and is formed, and the order's claim is
   * released. Any caller may run it again, to the same end: the planner of another line
   * of the order, or a line of the shipment joining its request (requestShipmentLine), so
   * a formation cut off is finished. True when every line joined.
   */
  private async finishFormation(orderId: string, shipmentId: string, at: Date): Promise<boolean> {
    const item = await this.table.get(keys.shipment(shipmentId));
    let allJoined = false;
    if (item?.joining) {
      const intended = Object.keys(readShipment(item).lines);
      await forEachLimited(intended, (lineId) =>
        this.table.updateIf(keys.line(orderId, lineId), joinShipment(shipmentId, at)),
      );
      const lines = await this.orderLines(orderId);
      const left = intended.filter((id) => lines.get(id)?.shipmentId !== shipmentId);
      allJoined = left.length === 0;
      await this.leaveFormation(shipmentId, left);
    }
    if (item) await this.completeIfReady(shipmentId, at);
    await this.table.updateIf(keys.order(orderId), {
      remove: ["forming"],
      condition: ["forming = :forming"],
      values: { ":forming": shipmentId },
    });
    return allJoined;
  }

  /** The lines that did not join leave the shipment being formed (only removes: a cancel
   * meanwhile is never undone), then it is formed. */
  private async leaveFormation(shipmentId: string, left: readonly string[]) {
    const key = keys.shipment(shipmentId);
    for (let i = 0; i < left.length; i += 50) {
      const part = left.slice(i, i + 50);
      await this.table.updateIf(key, {
        remove: part.map((_, j) => `#lines.#left${j}`),
        delete: ["pending :left"],
        condition: ["attribute_exists(joining)"],
        names: { "#lines": "lines", ...Object.fromEntries(part.map((id, j) => [`#left${j}`, id])) },
        values: { ":left": new Set(part) },
      });
    }
    await this.table.updateIf(key, {
      remove: ["joining"],
      condition: ["attribute_exists(joining)"],
    });
  }

  /** An order's lines by id, read consistently. */
  private async orderLines(orderId: string): Promise<Map<string, Line>> {
    const items = await this.table.queryAll(keys.order(orderId).pk, "LINE#");
    return new Map(items.map(readLine).map((l) => [l.lineId, l]));
  }

  async getShipment(shipmentId: string): Promise<Shipment | null> {
    const item = await this.table.get(keys.shipment(shipmentId));
    return item ? readShipment(item) : null;
  }

  async listShipments(status: ShipmentStatus, request: PageRequest): Promise<Page<Shipment>> {
    const partition = keys.shipmentsByStatus(status, "", "").gsi1pk;
    const page = await this.table.gsi1Page(partition, request);
    return { items: page.items.map(readShipment), next: page.next };
  }

  async requestShipmentLine(line: Line, at: Date, options: { last?: boolean } = {}): Promise<void> {
    if (!line.shipmentId) throw new Error(`line ${line.lineId} has no shipment`);
    // The last line to join: the shipment is requested in the same write, if it still is
    // the last (else as any other line: join, then see whether the shipment is complete).
    if (line.status === "charged" && options.last) {
      const requested = await this.table.transactIf([
        {
          Update: this.table.update(
            keys.line(line.orderId, line.lineId),
            lineTransition("shipment_requested", at),
          ),
        },
        {
          Update: this.table.update(
            keys.shipment(line.shipmentId),
            mergeParts(shipmentStatus("requested", at, ["forming"]), {
              remove: ["pending"],
              condition: [
                "size(pending) = :one",
                "contains(pending, :lineId)",
                "attribute_not_exists(joining)",
              ],
              values: { ":one": 1, ":lineId": line.lineId },
            }),
          ),
        },
      ]);
      if (requested) return;
    }
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
    const item = await this.table.get(keys.shipment(shipmentId));
    if (!item) return "not-found";
    const shipment = readShipment(item);
    if (shipment.status === "shipped" || shipment.status === "delivered") {
      return shipment.trackingNumber === trackingNumber ? "already-shipped" : "not-requested";
    }
    if (shipment.status !== "requested") return "not-requested";
    const claim = shippingClaimOf(item);
    if (claim) {
      // Being shipped in steps (a call cut off, or one under way): only with its tracking.
      if (claim.trackingNumber !== trackingNumber) return "not-requested";
      return this.shipInSteps(shipmentId, claim, at);
    }
    const tracking = trackingParts(carrier, trackingNumber);
    const lineIds = Object.keys(shipment.lines);
    const bySku = qtyBySku(Object.values(shipment.lines));
    if (1 + lineIds.length + bySku.size <= MAX_TRANSACTION_ITEMS) {
      const items: TransactItem[] = [
        {
          Update: this.table.update(
            keys.shipment(shipmentId),
            mergeParts(shipmentStatus("shipped", at, ["requested"]), tracking, {
              condition: ["attribute_not_exists(shipping)"],
            }),
          ),
        },
        ...lineIds.map((lineId) => ({
          Update: this.table.update(
            keys.line(shipment.orderId, lineId),
            mergeParts(lineTransition("shipped", at), tracking, wakeMark(at)),
          ),
        })),
        ...[...bySku].map(([sku, qty]) => ({
          Update: this.table.update(keys.sku(sku), shipUnits(qty)),
        })),
      ];
      return (await this.table.transactIf(items)) ? "shipped" : "not-requested";
    }
    // Too many lines and SKUs for one transaction: the shipment is claimed for this
    // tracking number first, so a retry goes on with it and no other can interleave.
    const claimed = await this.table.updateIf(keys.shipment(shipmentId), {
      set: ["#shipping = :claim"],
      condition: ["#status = :requested", "attribute_not_exists(#shipping)"],
      names: { "#shipping": "shipping", "#status": "status" },
      values: { ":claim": { carrier, trackingNumber }, ":requested": "requested" },
    });
    if (!claimed) return this.shipShipment(shipmentId, carrier, trackingNumber, at);
    return this.shipInSteps(shipmentId, { carrier, trackingNumber }, at);
  }

  /**
   * A shipment claimed for a tracking number is shipped in steps: its lines still
   * `shipment_requested` move to `shipped` in transactions that each also take their units
   * off their SKUs (so a unit leaves once, whatever is retried) and check the claim; then
   * the shipment itself moves. A retry with the same tracking number finishes it.
   */
  private async shipInSteps(shipmentId: string, claim: ShippingClaim, at: Date) {
    const tracking = trackingParts(claim.carrier, claim.trackingNumber);
    const claimCheck = {
      parts: {
        condition: ["#status = :requested", "#shipping.#tracking = :claimTracking"],
        names: { "#status": "status", "#shipping": "shipping", "#tracking": "trackingNumber" },
        values: { ":requested": "requested", ":claimTracking": claim.trackingNumber },
      },
      holds: (item: Item) =>
        item.status === "requested" &&
        shippingClaimOf(item)?.trackingNumber === claim.trackingNumber,
      countSkus: true,
    };
    const moved = await this.moveInSteps(shipmentId, "shipment_requested", claimCheck, (batch) => [
      ...batch.map((line) => ({
        Update: this.table.update(
          keys.line(line.orderId, line.lineId),
          mergeParts(lineTransition("shipped", at, ["shipment_requested"]), tracking, wakeMark(at)),
        ),
      })),
      ...[...qtyBySku(batch)].map(([sku, qty]) => ({
        Update: this.table.update(keys.sku(sku), shipUnits(qty)),
      })),
    ]);
    const shipped =
      moved &&
      (await this.table.updateIf(
        keys.shipment(shipmentId),
        mergeParts(shipmentStatus("shipped", at, ["requested"]), tracking, {
          remove: ["#shipping"],
          condition: ["#shipping.#tracking = :claimTracking"],
          names: { "#shipping": "shipping", "#tracking": "trackingNumber" },
          values: { ":claimTracking": claim.trackingNumber },
        }),
      ));
    if (shipped) return "shipped";
    // A call with the same tracking number at the same time may have finished it.
    const now = await this.getShipment(shipmentId);
    return now?.status === "shipped" && now.trackingNumber === claim.trackingNumber
      ? "shipped"
      : "not-requested";
  }

  async deliverShipment(shipmentId: string, at: Date): Promise<DeliverOutcome> {
    const shipment = await this.getShipment(shipmentId);
    if (!shipment) return "not-found";
    if (shipment.status === "delivered") return "already-delivered";
    if (shipment.status !== "shipped") return "not-shipped";
    const lineIds = Object.keys(shipment.lines);
    if (1 + lineIds.length <= MAX_TRANSACTION_ITEMS) {
      const items: TransactItem[] = [
        {
          Update: this.table.update(
            keys.shipment(shipmentId),
            shipmentStatus("delivered", at, ["shipped"]),
          ),
        },
        ...lineIds.map((lineId) => ({
          Update: this.table.update(
            keys.line(shipment.orderId, lineId),
            mergeParts(lineTransition("delivered", at), wakeMark(at)),
          ),
        })),
      ];
      return (await this.table.transactIf(items)) ? "delivered" : "not-shipped";
    }
    // In steps: the lines still shipped move (each step checks the shipment is still
    // shipped), then the shipment. A retry, or a call at the same time, finishes it.
    const shippedCheck = {
      parts: {
        condition: ["#status = :shipped"],
        names: { "#status": "status" },
        values: { ":shipped": "shipped" },
      },
      holds: (item: Item) => item.status === "shipped",
      countSkus: false,
    };
    const moved = await this.moveInSteps(shipmentId, "shipped", shippedCheck, (batch) =>
      batch.map((line) => ({
        Update: this.table.update(
          keys.line(line.orderId, line.lineId),
          mergeParts(lineTransition("delivered", at, ["shipped"]), wakeMark(at)),
        ),
      })),
    );
    const delivered =
      moved &&
      (await this.table.updateIf(
        keys.shipment(shipmentId),
        shipmentStatus("delivered", at, ["shipped"]),
      ));
    if (delivered) return "delivered";
    // A call at the same time may have finished it.
    return (await this.getShipment(shipmentId))?.status === "delivered"
      ? "delivered"
      : "not-shipped";
  }

  /**
   * Moves a shipment's lines that are still `from` in transactions of at most 100 items:
   * each holds the shipment's `check` and what `writes` makes of a batch of lines (their
   * moves, and the SKUs they touch when `countSkus`). A batch that loses a race (a line
   * cancelled, or moved by a call at the same time) is read again. True when no line is
   * left `from`; false once the shipment is no longer as `check` (and `holds`) says.
   */
  private async moveInSteps(
    shipmentId: string,
    from: "shipment_requested" | "shipped",
    check: { parts: UpdateParts; holds: (item: Item) => boolean; countSkus: boolean },
    writes: (batch: MovingLine[]) => TransactItem[],
  ): Promise<boolean> {
    const condition = this.table.update(keys.shipment(shipmentId), check.parts);
    const checkItem: TransactItem = {
      ConditionCheck: {
        TableName: this.table.name,
        Key: keys.shipment(shipmentId),
        ConditionExpression: condition.ConditionExpression,
        ExpressionAttributeNames: condition.ExpressionAttributeNames,
        ExpressionAttributeValues: condition.ExpressionAttributeValues,
      },
    };
    for (let attempt = 1; attempt <= MOVE_ATTEMPTS; attempt++) {
      const item = await this.table.get(keys.shipment(shipmentId));
      if (!item || !check.holds(item)) return false;
      const shipment = readShipment(item);
      const current = await this.orderLines(shipment.orderId);
      const todo: MovingLine[] = Object.entries(shipment.lines)
        .filter(([lineId]) => current.get(lineId)?.status === from)
        .map(([lineId, l]) => ({ lineId, orderId: shipment.orderId, ...l }));
      if (todo.length === 0) return true;
      let lost = false;
      for (const batch of batchesOf(todo, MAX_TRANSACTION_ITEMS - 1, check.countSkus)) {
        if (!(await this.table.transactIf([checkItem, ...writes(batch)]))) {
          lost = true;
          break;
        }
      }
      if (!lost) return true;
    }
    throw new Error(`shipment ${shipmentId}: its lines kept changing while moved; retry`);
  }

  /**
   * A formed shipment with no line left to charge becomes requested; one that no line
   * joined (all cancelled while it was formed) is cancelled. One still being formed in
   * steps is finished first (whoever comes by finishes a formation cut off).
   */
  private async completeIfReady(shipmentId: string, at: Date): Promise<void> {
    const item = await this.table.get(keys.shipment(shipmentId));
    if (item?.status !== "forming") return;
    if (item.joining) {
      await this.finishFormation(String(item.orderId), shipmentId, at);
      return;
    }
    const shipment = readShipment(item);
    if (Object.keys(shipment.lines).length === 0) {
      await this.table.updateIf(
        keys.shipment(shipmentId),
        mergeParts(shipmentStatus("cancelled", at, ["forming"]), {
          condition: ["attribute_not_exists(joining)"],
        }),
      );
      return;
    }
    if (shipment.pending?.length) return;
    await this.table.updateIf(
      keys.shipment(shipmentId),
      mergeParts(shipmentStatus("requested", at, ["forming"]), {
        condition: ["attribute_not_exists(pending)", "attribute_not_exists(joining)"],
      }),
    );
  }
}
