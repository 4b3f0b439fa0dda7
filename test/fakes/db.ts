import type { Inbound } from "../../shared/domain/inbound.ts";
import {
  assertTransition,
  type LineStatus,
  type SourceOf,
  sourcesOf,
} from "../../shared/domain/line-states.ts";
import type { Line, Order, Shipment, Sku } from "../../shared/domain/model.ts";
import type { Notification } from "../../shared/domain/notifications.ts";
import type { StoredAsn } from "../../shared/domain/supply.ts";
import type { WaitKind } from "../../shared/domain/waits.ts";
import type { AllocationStore, ReceiptRecord } from "../../shared/ports/allocation.ts";
import type { CatalogStore } from "../../shared/ports/catalog.ts";
import type { ChargeStore } from "../../shared/ports/charges.ts";
import type { LineWaitStore } from "../../shared/ports/line-waits.ts";
import type { LiveLineStore, SweepPosition } from "../../shared/ports/live-lines.ts";
import type { NotificationStore } from "../../shared/ports/notifications.ts";
import type { IdempotencyRecord, OrderStore } from "../../shared/ports/orders.ts";
import { InvalidCursorError, type Page, type PageRequest } from "../../shared/ports/paging.ts";
import type { ShipmentStore } from "../../shared/ports/shipments.ts";
import type { Delivery, SupplyStore } from "../../shared/ports/supply.ts";
import { Races } from "./races.ts";

/**
 * The in-memory table the store fakes share (one per fakePorts()). Every write runs as a
 * transaction: its conditions are checked with `check` while it applies, and a failed one
 * undoes the whole write, as DynamoDB's conditional writes and transactions do.
 */
type Named<Prefix extends string, Store> = `${Prefix}.${Extract<keyof Store, string>}`;

/** A store port's method, by the name fakePorts() gives the store: "orders.cancelLine". */
export type StoreCall =
  | Named<"catalog", CatalogStore>
  | Named<"orders", OrderStore>
  | Named<"allocation", AllocationStore>
  | Named<"waits", LineWaitStore>
  | Named<"liveLines", LiveLineStore>
  | Named<"notifications", NotificationStore>
  | Named<"shipments", ShipmentStore>
  | Named<"charges", ChargeStore>
  | Named<"supply", SupplyStore>;

export interface StoredNotification extends Omit<Notification, "state" | "attempts"> {
  state: "sending" | "sent" | "refused" | "failed";
  claimedAt: string;
  /** Sends claimed so far. */
  attempts: number;
  messageId?: string;
  failure?: string;
}

export interface Tables {
  skus: Map<string, Sku>;
  orders: Map<string, Order>;
  /** By `lineKey(orderId, lineId)`. */
  lines: Map<string, Line>;
  /** Lines whose execution has not finished, by `lineKey` (the live-lines index). */
  live: Set<string>;
  /** Where a sweep of the live lines stopped short. */
  sweep: SweepPosition | null;
  /** A parked line's task token (fields of the line item in DynamoDB). */
  parked: Map<string, { token: string; wait: WaitKind }>;
  /** The wake outbox: lines marked as needing a wake-up (fields of the line item). */
  wakes: Map<string, { due: string; attempts: number; next: string }>;
  /** By `<scope>#<key>`. */
  idempotency: Map<string, IdempotencyRecord>;
  /** By `<orderId>#<event key>`. */
  notifications: Map<string, StoredNotification>;
  shipments: Map<string, Shipment>;
  /** Receipt heads; their allocations are the batches below. */
  receipts: Map<string, ReceiptRecord>;
  /** Allocation batches by `<receiptId>#<at>#<first lineId>` (one per allocateLines). */
  receiptFills: Map<string, ReceiptRecord["allocations"]>;
  /** By `<supplierId>#<asnId>`. */
  asns: Map<string, StoredAsn>;
  /** By `<sku>#<supplierId>#<asnId>`. */
  inbound: Map<string, Inbound & { sku: string; revision: number }>;
  /** Webhook answers by `<supplierId>#<webhookId>`. */
  deliveries: Map<string, Delivery>;
}

const emptyTables = (): Tables => ({
  skus: new Map(),
  orders: new Map(),
  lines: new Map(),
  live: new Set(),
  sweep: null,
  parked: new Map(),
  wakes: new Map(),
  idempotency: new Map(),
  notifications: new Map(),
  shipments: new Map(),
  receipts: new Map(),
  receiptFills: new Map(),
  asns: new Map(),
  inbound: new Map(),
  deliveries: new Map(),
});

export const lineKey = (orderId: string, lineId: string) => `${orderId}#${lineId}`;

let wakeSeq = 0;
/** Marks that a line needs a wake-up, within a write (dynamodb/table.ts `wakeMark`). */
export function markWake(t: Tables, orderId: string, lineId: string, at: Date): void {
  const due = `${at.toISOString()}#${String(++wakeSeq).padStart(8, "0")}`;
  t.wakes.set(lineKey(orderId, lineId), { due, attempts: 0, next: due });
}

export const clone = <T>(value: T): T => structuredClone(value);

/**
 * A page of `items` (already in the list's order) after the cursor, as the DynamoDB stores
 * page (table.ts `listPage`): the cursor names its list and the sort key of the last item
 * given; one of another list, or made up, is refused.
 */
export function pageOf<T>(
  list: string,
  items: readonly T[],
  sortKey: (item: T) => string,
  { limit, cursor }: PageRequest,
): Page<T> {
  let after: string | null = null;
  if (cursor) {
    try {
      const decoded = JSON.parse(Buffer.from(cursor, "base64url").toString("utf8")) as unknown;
      if (Array.isArray(decoded) && decoded[0] === list && typeof decoded[1] === "string") {
        after = decoded[1];
      }
    } catch {
      // refused below
    }
    if (after === null) throw new InvalidCursorError("the cursor is not one given for this list");
  }
  const rest = items.filter((i) => after === null || sortKey(i) > after);
  const page = rest.slice(0, limit);
  const last = page[page.length - 1];
  return {
    items: page.map(clone),
    next:
      rest.length > limit && last !== undefined
        ? Buffer.from(JSON.stringify([list, sortKey(last)])).toString("base64url")
        : null,
  };
}

/** A condition of a write did not hold. */
export class ConditionFailed extends Error {
  override readonly name = "ConditionFailed";
}

export function check(condition: unknown, what: string): asserts condition {
  if (!condition) throw new ConditionFailed(what);
}

/** The one way a line's status is written: to `to`, only from `from` (by default every
 * source the transitions table allows), with its history entry. */
export function moveLine<To extends LineStatus>(
  line: Line | undefined,
  to: To,
  at: Date,
  from: readonly SourceOf<To>[] = sourcesOf(to),
): Line {
  for (const f of from) assertTransition(f, to);
  check(line, "the line exists");
  check((from as readonly LineStatus[]).includes(line.status), `${line.status} → ${to}`);
  line.status = to;
  line.history.push({ status: to, at: at.toISOString() });
  return line;
}

export class FakeDb {
  tables: Tables = emptyTables();
  readonly races = new Races();
  /** Every store write called, in order (reads are not listed). */
  readonly writes: StoreCall[] = [];

  /**
   * Runs a write all or nothing. Resolves to null when it was applied, else to the
   * condition that failed (or the injected lost race), with nothing changed.
   */
  async write(call: StoreCall, apply: (t: Tables) => void): Promise<string | null> {
    this.writes.push(call);
    if (await this.races.enter(call)) return "lost a race (injected)";
    const before = clone(this.tables);
    try {
      apply(this.tables);
    } catch (error) {
      this.tables = before;
      if (error instanceof ConditionFailed) return error.message;
      throw error;
    }
    await this.races.leave(call);
    return null;
  }

  /** A write without conditions (it cannot lose a race). */
  async put(call: StoreCall, apply: (t: Tables) => void): Promise<void> {
    const failed = await this.write(call, apply);
    if (failed) throw new Error(`${call} has no condition to fail: ${failed}`);
  }

  line(orderId: string, lineId: string): Line | undefined {
    return this.tables.lines.get(lineKey(orderId, lineId));
  }
}
