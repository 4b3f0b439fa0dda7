/**
 * Order intake: decides, for an incoming order, what happens to each requested line
 * given the current stock of its SKUs (contract §4–§5). Pure: the caller reads the
 * snapshots, calls {@link planOrder} and writes the resulting plan atomically.
 */
import { addDays, type IsoDate } from "./dates.ts";
import { type Inbound, inboundEta } from "./inbound.ts";
import type { Address, BackorderPolicy, Customer, PaymentDetails, SplitPolicy } from "./model.ts";

/** Days promised for a backordered line when neither an ETA nor a lead time is known. */
export const DEFAULT_PROMISE_DAYS = 30;

export interface RequestedLine {
  lineRef: string;
  sku: string;
  qty: number;
  unitPrice: number;
}

/** The stock of one SKU as read just before planning. */
/** An order as a storefront asks for it (contract §5), validated. */
export interface OrderRequest {
  orderRef: string;
  customer: Customer;
  shippingAddress: Address;
  splitPolicy: SplitPolicy;
  maxShipments?: number | undefined;
  payment: PaymentDetails;
  currency: string;
  lines: RequestedLine[];
}

export interface SkuSnapshot {
  sku: string;
  onHand: number;
  allocated: number;
  backorderedQty: number;
  backorder: BackorderPolicy;
  /** ETA a unit ordered now would get from inbound notices, if any. */
  nextEta: IsoDate | null;
  /** The inbound notices themselves: with them a line's ETA is when its last unit comes. */
  inbound?: readonly Inbound[];
}

export type PlannedStatus = "allocated" | "backordered";

export interface PlannedLine {
  lineRef: string;
  sku: string;
  qty: number;
  unitPrice: number;
  status: PlannedStatus;
  eta: IsoDate | null;
  promisedBy: IsoDate;
}

export interface Shortage {
  lineRef: string;
  sku: string;
  requested: number;
  /** What the line could still get at its point in the order: free stock + backorder room. */
  available: number;
}

/** Units of one SKU newly allocated and newly backordered by the order. */
export interface SkuDelta {
  sku: string;
  allocate: number;
  backorder: number;
}

export type IntakePlan =
  | { ok: true; lines: PlannedLine[]; deltas: SkuDelta[] }
  | { ok: false; reason: "insufficient-stock"; shortages: Shortage[] }
  | { ok: false; reason: "unknown-sku"; skus: string[] };

export interface PlanOptions {
  /** Days promised when a backordered SKU has neither an ETA nor a lead time (30). */
  defaultPromiseDays?: number;
  /** The order ships in one parcel (`ship_complete`, or `max_shipments` of 1): a line in
   * stock waits for its backordered siblings, so it is promised their latest date. */
  shipTogether?: boolean;
}

/**
 * Stock a new order may take at once: what is on hand, less what is allocated and less
 * what the SKU's waiting lines are owed. Waiting lines are served first, so an order never
 * jumps the queue even in the moment between stock arriving and the allocator running.
 */
export function freeToPromise(
  sku: Pick<SkuSnapshot, "onHand" | "allocated" | "backorderedQty">,
): number {
  return Math.max(0, sku.onHand - sku.allocated - sku.backorderedQty);
}

/**
 * Whether `qty` units of a SKU can be sold now, as planOrder would sell them: from free
 * stock, the rest on backorder if the SKU allows it and its limit has room.
 */
export function canSellNow(
  sku: Pick<SkuSnapshot, "onHand" | "allocated" | "backorderedQty" | "backorder">,
  qty: number,
): boolean {
  const free = freeToPromise(sku);
  return free >= qty || (sku.backorder.allowed && backorderRoom(sku) >= qty - free);
}

/**
 * The date a unit of the SKU ordered now would arrive by (contract §4): the ETA from
 * inbound notices when one covers it, else today + the lead time, else unknown.
 */
export function nextEtaOf(
  sku: { backorder: Pick<BackorderPolicy, "leadTimeDays"> },
  inboundEta: IsoDate | null,
  today: IsoDate,
): IsoDate | null {
  if (inboundEta !== null) return inboundEta;
  if (sku.backorder.leadTimeDays !== undefined) return addDays(today, sku.backorder.leadTimeDays);
  return null;
}

/**
 * How many more units of the SKU may be backordered: 0 when backorders are not
 * allowed, `Infinity` when there is no limit, else what is left under the limit.
 */
export function backorderRoom(sku: Pick<SkuSnapshot, "backorderedQty" | "backorder">): number {
  if (!sku.backorder.allowed) return 0;
  if (sku.backorder.limit === undefined) return Number.POSITIVE_INFINITY;
  return Math.max(0, sku.backorder.limit - sku.backorderedQty);
}

/**
 * The ship-by date promised for a line: today when allocated; when backordered the
 * SKU's next ETA if known, else today + lead time, else today + `defaultPromiseDays`.
 */
export function promisedByFor(
  status: PlannedStatus,
  sku: Pick<SkuSnapshot, "nextEta" | "backorder">,
  today: IsoDate,
  defaultPromiseDays: number = DEFAULT_PROMISE_DAYS,
): IsoDate {
  if (status === "allocated") return today;
  if (sku.nextEta !== null) return sku.nextEta;
  return addDays(today, sku.backorder.leadTimeDays ?? defaultPromiseDays);
}

/** Looks a SKU up in a map or in a plain record (own keys only, so "constructor" is unknown). */
function snapshotOf(
  stock: ReadonlyMap<string, SkuSnapshot> | Readonly<Record<string, SkuSnapshot>>,
  sku: string,
): SkuSnapshot | undefined {
  if (stock instanceof Map) return stock.get(sku);
  const record = stock as Readonly<Record<string, SkuSnapshot>>;
  return Object.hasOwn(record, sku) ? record[sku] : undefined;
}

/**
 * Plans an order. Lines are served in request order; lines of the same SKU draw on the
 * same free stock and backorder room one after another. A line that cannot be fully
 * served reserves nothing, and any such line fails the whole order.
 *
 * @throws RangeError when a quantity is not a positive integer (a guard: the HTTP
 * layer validates first), or when `defaultPromiseDays` is not a non-negative integer.
 */
export function planOrder(
  requested: readonly RequestedLine[],
  stock: ReadonlyMap<string, SkuSnapshot> | Readonly<Record<string, SkuSnapshot>>,
  today: IsoDate,
  options: PlanOptions = {},
): IntakePlan {
  const defaultPromiseDays = options.defaultPromiseDays ?? DEFAULT_PROMISE_DAYS;
  if (!Number.isInteger(defaultPromiseDays) || defaultPromiseDays < 0) {
    throw new RangeError(
      `defaultPromiseDays must be a non-negative integer: ${defaultPromiseDays}`,
    );
  }
  for (const line of requested) {
    if (!Number.isInteger(line.qty) || line.qty <= 0) {
      throw new RangeError(`line ${line.lineRef}: qty must be a positive integer: ${line.qty}`);
    }
  }

  const snapshots = new Map<string, SkuSnapshot>();
  const unknown: string[] = [];
  for (const { sku } of requested) {
    if (snapshots.has(sku) || unknown.includes(sku)) continue;
    const snapshot = snapshotOf(stock, sku);
    if (snapshot) snapshots.set(sku, snapshot);
    else unknown.push(sku);
  }
  if (unknown.length > 0) return { ok: false, reason: "unknown-sku", skus: unknown };

  /** What is left of each SKU as the order is served, plus what it has taken so far. */
  const remaining = new Map<string, { free: number; room: number; delta: SkuDelta }>();
  const lines: PlannedLine[] = [];
  const shortages: Shortage[] = [];

  for (const line of requested) {
    const snapshot = snapshots.get(line.sku);
    if (!snapshot) continue; // unreachable: every SKU was resolved above
    let left = remaining.get(line.sku);
    if (!left) {
      left = {
        free: freeToPromise(snapshot),
        room: backorderRoom(snapshot),
        delta: { sku: line.sku, allocate: 0, backorder: 0 },
      };
      remaining.set(line.sku, left);
    }

    const allocate = Math.min(line.qty, left.free);
    const backorder = line.qty - allocate;
    if (backorder > left.room) {
      shortages.push({
        lineRef: line.lineRef,
        sku: line.sku,
        requested: line.qty,
        available: left.free + left.room,
      });
      continue;
    }

    left.free -= allocate;
    left.room -= backorder;
    left.delta.allocate += allocate;
    left.delta.backorder += backorder;
    const { lineRef, sku, unitPrice } = line;
    if (allocate > 0) {
      lines.push({
        lineRef,
        sku,
        qty: allocate,
        unitPrice,
        status: "allocated",
        eta: null,
        promisedBy: today,
      });
    }
    if (backorder > 0) {
      // Waiting units ahead: the queue, and this order's earlier lines of the SKU.
      const ahead = snapshot.backorderedQty + left.delta.backorder - backorder;
      const eta = snapshot.inbound
        ? inboundEta(snapshot.inbound, ahead + backorder - 1)
        : snapshot.nextEta;
      lines.push({
        lineRef,
        sku,
        qty: backorder,
        unitPrice,
        status: "backordered",
        eta,
        promisedBy: promisedByFor(
          "backordered",
          { ...snapshot, nextEta: eta },
          today,
          defaultPromiseDays,
        ),
      });
    }
  }

  if (shortages.length > 0) return { ok: false, reason: "insufficient-stock", shortages };
  if (options.shipTogether) {
    const last = [today, ...lines.map((l) => l.promisedBy)].sort().at(-1) ?? today;
    for (const line of lines) if (line.status === "allocated") line.promisedBy = last;
  }
  const deltas = [...remaining.values()]
    .map((left) => left.delta)
    .filter((delta) => delta.allocate > 0 || delta.backorder > 0);
  return { ok: true, lines, deltas };
}
