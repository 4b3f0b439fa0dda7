/**
 * A Jepsen-style checker of the engine's invariants over plain data: every item of the table
 * (a Scan, e.g. `TestTable.scanAll()`), the local mail store (`GET <ses>/store`, see
 * `mailsFromSesStore`) and, where there is one, the payment provider's ledger. It makes no
 * call of its own (no AWS import): a soak run takes the snapshot, then asks `checkInvariants`.
 *
 * The items are read as the adapters write them (docs/data-model.md; shared/adapters/dynamodb/
 * table.ts `keys`); each entity is parsed by its schema from shared/. The key prefixes are
 * spelled here because table.ts imports the AWS SDK; test/unit/invariants.test.ts pins each
 * one to what `keys` builds.
 *
 * A Scan is not a point-in-time read: the counters and the lines agree in every committed
 * transaction, but a scan taken while the engine works may see a SKU before a transaction and
 * its lines after it. Take the snapshot once the system is quiet (`quiescent`, the default);
 * the checks marked "at quiescence" (a refund owed, a stale park) are only true then.
 */
import { createHash } from "node:crypto";
import * as z from "zod";
import { fillOldestFirst, splitPartsOf } from "../../shared/domain/allocation.ts";
import {
  canTransition,
  INITIAL_LINE_STATUSES,
  LINE_STATUSES,
  type LineStatus,
  TERMINAL_LINE_STATUSES,
  unitsHeldIn,
} from "../../shared/domain/line-states.ts";
import {
  type Line,
  lineAmount,
  lineSchema,
  type Order,
  orderSchema,
  qtyBySku,
  type Sku,
  skuSchema,
} from "../../shared/domain/model.ts";
import {
  messageKeyOf,
  NOTIFICATION_KINDS,
  type NotificationKind,
  notificationSchema,
} from "../../shared/domain/notifications.ts";
import { WAIT_STATUS, WAITS, type WaitKind } from "../../shared/domain/waits.ts";
import {
  type ReceiptAllocation,
  type ReceiptRecord,
  receiptAllocationSchema,
  receiptRecordSchema,
} from "../../shared/ports/allocation.ts";
import { type IdempotencyRecord, idempotencyRecordSchema } from "../../shared/ports/orders.ts";

// ---------------------------------------------------------------------------------------------
// The data

/** One item of the table, as the DynamoDB document client returns it. */
export type Item = Record<string, unknown>;

/** One email as the mail store kept it (aws-ses-v2-local's `GET /store`: `emails[]`). */
export interface MailRecord {
  messageId?: string;
  to: readonly string[];
  subject: string;
  /** The custom headers the send carried: the engine's message key is one of them. */
  headers?: readonly { name: string; value: string }[];
  /** When the store took it (epoch ms). */
  at?: number;
}

/**
 * A call the payment provider answered with money moved (the local sandbox's ledger:
 * shared/adapters/local-hooks.ts `OutsideCall.payment`). A declined charge moves nothing
 * and is not in it. Replays of one idempotency key repeat the same id.
 */
export interface PaymentRecord {
  kind: "charge" | "refund";
  /** The charge's or the refund's id. */
  id: string;
  /** `<lineId>:charge:<attempt>` or `<lineId>:refund` (shared/services/charging.ts). */
  idempotencyKey: string;
  amount: number;
}

export interface Snapshot {
  items: readonly Item[];
  /** The mail store; absent: the checks on sent emails against the store are skipped. */
  mails?: readonly MailRecord[];
  /** The payment provider's ledger; absent: charges are checked from the lines alone. */
  payments?: readonly PaymentRecord[];
}

export const INVARIANTS = [
  "stock-conservation",
  "counters-match-lines",
  "fifo",
  "reachable-statuses",
  "single-charge",
  "no-duplicate-email",
  "orders-readable",
  "no-stale-park",
] as const;
export type InvariantName = (typeof INVARIANTS)[number];

export interface InvariantResult {
  name: InvariantName;
  /** No violation (a skipped check is ok too: see `skipped`). */
  ok: boolean;
  /** Not run at all (by `skip`, or `no-stale-park` when not quiescent). */
  skipped: boolean;
  /** How many entities the check looked at (SKUs, lines, emails …: see `notes`). */
  checked: number;
  /** The first `maxViolations`, each naming the ids involved. */
  violations: string[];
  /** All of them, including those left out of `violations`. */
  violationCount: number;
  /** What was counted, and what the data could not show (parts of the check not run). */
  notes: string[];
}

export interface InvariantOptions {
  /**
   * The system had settled when the snapshot was taken: no request, step, receipt or wake
   * in flight, the wake deliverer and the backstops run. Default true. False skips
   * `no-stale-park` and the parts of other checks true only at rest (a refund owed).
   */
  quiescent?: boolean;
  /** Invariants not to run. */
  skip?: readonly InvariantName[];
  /**
   * Each SKU's `onHand` as set before anything happened to it (its only `PUT /v1/skus`, or
   * the last one before any receipt, order or shipment). With it, `onHand` must equal it
   * plus the units received into stock less the units shipped, and `onHand`, `free` may not
   * be negative. Without it those are not checked (a later PUT may set anything).
   */
  onHandBaseline?: Readonly<Record<string, number>>;
  /**
   * No hand count set a SKU's `onHand` below what it had allocated (the soak's driver counts
   * only at rest and never below it): then allocations alone decide whether `allocated`
   * passes `onHand`, and it may not (no SKU allocated more than it received plus counted
   * stock). Without it, a count below the reserved units may leave `free` negative.
   */
  countsNeverBelowAllocated?: boolean;
  /**
   * Slack (ms) on the times FIFO compares: an older line counts as skipped only if it
   * had waited this long before the younger line's allocation and left this long after it.
   * Intake stamps a line with the time its request started, before its transaction commits,
   * so a line that commits while an allocation runs can look older than it was; and on AWS
   * functions' clocks differ by a few ms. Default 0.
   */
  fifoToleranceMs?: number;
  /** When the snapshot was taken: enables the checks on wake-ups and payment windows
   * owed for longer than `owedGraceMs` (no-stale-park). */
  now?: Date | string;
  /** How long a wake-up mark or a passed payment window may stay unhandled at
   * quiescence. Default: the deliverer's 30 s grace + its 15 min longest backoff + 5 min. */
  owedGraceMs?: number;
  /**
   * A message key in the mail store more than once, but no more often than its claim was
   * taken, is what a crash between SES's answer and the claim's mark leaves (the one window
   * docs/data-model.md "Emails once" allows; a soak that injects crashes after SendEmail
   * makes it). "note" lists those instead of failing; more sends than claims always fail.
   * Default "violation".
   */
  crashWindowDuplicates?: "violation" | "note";
  /** Violations kept per invariant (all are counted). Default 20. */
  maxViolations?: number;
}

// ---------------------------------------------------------------------------------------------
// Keys and names (pinned against shared/ by test/unit/invariants.test.ts)

/** Key prefixes of shared/adapters/dynamodb/table.ts `keys` (and allocation.ts's batches). */
export const KEYS = {
  skuPk: "SKU#",
  skuSk: "SKU",
  orderPk: "ORDER#",
  orderSk: "ORDER",
  lineSk: "LINE#",
  notificationSk: "NOTIF#",
  receiptPk: "RECEIPT#",
  receiptSk: "RECEIPT",
  /** `ALLOC#<at>#<first line id>`: one batch of fills beside its receipt. */
  fillsSk: "ALLOC#",
  idempotencyPk: "IDEMP#orders#",
  idempotencySk: "IDEMP",
  /** gsi4pk of a waiting line: `WAITING#<sku>`, gsi4sk `<createdAt>#<lineId>`. */
  waiting: "WAITING#",
  /** gsi3pk of a line whose execution has not finished: `LIVE#<shard>`, gsi3sk its id. */
  live: "LIVE#",
} as const;

/** The header every engine email carries (shared/adapters/ses-mailer.ts). */
export const MESSAGE_KEY_HEADER = "X-Backorder-Message-Key";

/** The sandbox provider's ids (shared/adapters/sandbox-payment.ts): derived from the key. */
export function sandboxChargeId(idempotencyKey: string): string {
  return `sbx_ch_${sandboxDigest(idempotencyKey)}`;
}
export function sandboxRefundId(idempotencyKey: string): string {
  return `sbx_re_${sandboxDigest(idempotencyKey)}`;
}
const sandboxDigest = (key: string) => createHash("sha256").update(key).digest("hex").slice(0, 24);

/** Idempotency keys of a line's charges and refund (shared/services/charging.ts). */
export const chargeKey = (lineId: string, attempt: number) => `${lineId}:charge:${attempt}`;
export const refundKey = (lineId: string) => `${lineId}:refund`;

/** The deliverer's grace, its longest backoff (shared/services/wakes.ts) and a few runs. */
export const DEFAULT_OWED_GRACE_MS = (30 + 15 * 60 + 5 * 60) * 1000;

/**
 * Emails sent once per line whatever their key (the key names the line and an occasion
 * that is unique per line: its one charge, its one shipment, its cancel, its intake). Two
 * sent under different keys would reach the customer twice. Other kinds (a delay notice,
 * an ETA change, a check-in, a decline per attempt) may legitimately repeat for a line.
 */
export const ONCE_PER_LINE_KINDS: readonly NotificationKind[] = [
  "backordered",
  "charged",
  "shipped",
  "delivered",
  "cancelled",
];

/** Statuses a line has been paid in: it cannot reach them without its charge recorded. */
const PAID_STATUSES: readonly LineStatus[] = LINE_STATUSES.filter(
  (s) => s === "charged" || reachableFrom("charged").includes(s),
);

function reachableFrom(from: LineStatus): LineStatus[] {
  const seen = new Set<LineStatus>();
  const todo: LineStatus[] = [from];
  for (let s = todo.pop(); s !== undefined; s = todo.pop()) {
    for (const to of LINE_STATUSES.filter((t) => canTransition(s as LineStatus, t))) {
      if (!seen.has(to)) {
        seen.add(to);
        todo.push(to);
      }
    }
  }
  // Cancelled is reachable from almost anywhere: being cancelled says nothing of payment.
  seen.delete("cancelled");
  return [...seen];
}

// ---------------------------------------------------------------------------------------------
// Reading the items

interface LineRec {
  item: Item;
  line: Line;
}

interface NotificationRec {
  item: Item;
  orderId: string;
  sk: string;
  /** The event key, null when the sort key holds only its hash (a key past 1,024 bytes). */
  key: string | null;
  kind: NotificationKind;
  state: "sending" | "sent" | "refused" | "failed";
  lineIds: string[];
  to: string;
  messageKey?: string | undefined;
  messageId?: string | undefined;
}

interface FillBatch {
  receiptId: string;
  sk: string;
  /** The batch's time: every line it fills moved to `allocated` at it. */
  at: string;
  fills: ReceiptAllocation[];
}

interface Unreadable {
  entity: "sku" | "order" | "line" | "notification" | "receipt" | "fills" | "idempotency";
  id: string;
  error: string;
}

interface Model {
  skus: Map<string, { item: Item; sku: Sku }>;
  orders: Map<string, { item: Item; order: Order }>;
  lines: LineRec[];
  /** By `<orderId>/<lineId>`. */
  lineByKey: Map<string, LineRec>;
  linesByOrder: Map<string, LineRec[]>;
  linesBySku: Map<string, LineRec[]>;
  notifications: NotificationRec[];
  receipts: Map<string, { item: Item; receipt: ReceiptRecord }>;
  fillBatches: FillBatch[];
  /** Intake's records, by the order they placed. */
  intake: Map<string, IdempotencyRecord>;
  unreadable: Unreadable[];
  /** Items of no entity checked here (ASNs, inbound, shipments, tallies …). */
  other: number;
}

const str = (v: unknown): string | undefined => (typeof v === "string" ? v : undefined);
const num = (v: unknown): number | undefined =>
  typeof v === "number" && Number.isFinite(v) ? v : undefined;
const lineKey = (orderId: string, lineId: string) => `${orderId}/${lineId}`;

function issues(error: z.ZodError): string {
  return error.issues
    .slice(0, 3)
    .map((i) => `${i.path.join(".") || "(item)"}: ${i.message}`)
    .join("; ");
}

function push<K, V>(map: Map<K, V[]>, key: K, value: V): void {
  const list = map.get(key);
  if (list) list.push(value);
  else map.set(key, [value]);
}

const notificationItemSchema = z.object({
  kind: z.enum(NOTIFICATION_KINDS),
  state: z.enum(["sending", "sent", "refused", "failed"]),
  lineIds: z.array(z.string()),
  to: z.string(),
  messageKey: z.string().optional(),
  messageId: z.string().optional(),
});

function readModel(items: readonly Item[]): Model {
  const m: Model = {
    skus: new Map(),
    orders: new Map(),
    lines: [],
    lineByKey: new Map(),
    linesByOrder: new Map(),
    linesBySku: new Map(),
    notifications: [],
    receipts: new Map(),
    fillBatches: [],
    intake: new Map(),
    unreadable: [],
    other: 0,
  };
  for (const item of items) {
    const pk = str(item.pk) ?? "";
    const sk = str(item.sk) ?? "";
    if (pk.startsWith(KEYS.skuPk) && sk === KEYS.skuSk) {
      const parsed = skuSchema.safeParse(item);
      if (parsed.success) m.skus.set(parsed.data.sku, { item, sku: parsed.data });
      else m.unreadable.push({ entity: "sku", id: pk, error: issues(parsed.error) });
    } else if (pk.startsWith(KEYS.orderPk) && sk === KEYS.orderSk) {
      const parsed = orderSchema.safeParse(item);
      if (parsed.success) m.orders.set(parsed.data.orderId, { item, order: parsed.data });
      else m.unreadable.push({ entity: "order", id: pk, error: issues(parsed.error) });
    } else if (pk.startsWith(KEYS.orderPk) && sk.startsWith(KEYS.lineSk)) {
      const parsed = lineSchema.safeParse(item);
      if (!parsed.success) {
        m.unreadable.push({ entity: "line", id: `${pk} ${sk}`, error: issues(parsed.error) });
        continue;
      }
      const rec = { item, line: parsed.data };
      m.lines.push(rec);
      m.lineByKey.set(lineKey(rec.line.orderId, rec.line.lineId), rec);
      push(m.linesByOrder, rec.line.orderId, rec);
      push(m.linesBySku, rec.line.sku, rec);
    } else if (pk.startsWith(KEYS.orderPk) && sk.startsWith(KEYS.notificationSk)) {
      const parsed = notificationItemSchema.safeParse(item);
      if (!parsed.success) {
        m.unreadable.push({
          entity: "notification",
          id: `${pk} ${sk}`,
          error: issues(parsed.error),
        });
        continue;
      }
      const key = sk.slice(KEYS.notificationSk.length);
      m.notifications.push({
        item,
        orderId: pk.slice(KEYS.orderPk.length),
        sk,
        key: /^[^#]*#~/.test(key) ? null : key,
        ...parsed.data,
      });
    } else if (pk.startsWith(KEYS.receiptPk) && sk === KEYS.receiptSk) {
      const parsed = receiptRecordSchema.safeParse({ allocations: [], ...item });
      if (parsed.success) m.receipts.set(parsed.data.receiptId, { item, receipt: parsed.data });
      else m.unreadable.push({ entity: "receipt", id: pk, error: issues(parsed.error) });
    } else if (pk.startsWith(KEYS.receiptPk) && sk.startsWith(KEYS.fillsSk)) {
      const parsed = receiptAllocationSchema.array().safeParse(item.fills);
      const at = sk.slice(KEYS.fillsSk.length).split("#")[0] ?? "";
      if (parsed.success) {
        m.fillBatches.push({
          receiptId: pk.slice(KEYS.receiptPk.length),
          sk,
          at,
          fills: parsed.data,
        });
      } else {
        m.unreadable.push({ entity: "fills", id: `${pk} ${sk}`, error: issues(parsed.error) });
      }
    } else if (pk.startsWith(KEYS.idempotencyPk) && sk === KEYS.idempotencySk) {
      const parsed = idempotencyRecordSchema.safeParse(item);
      if (parsed.success) m.intake.set(parsed.data.orderId, parsed.data);
      else m.unreadable.push({ entity: "idempotency", id: pk, error: issues(parsed.error) });
    } else {
      m.other++;
    }
  }
  return m;
}

// ---------------------------------------------------------------------------------------------
// Findings

class Findings {
  readonly violations: string[] = [];
  readonly notes: string[] = [];
  count = 0;
  checked = 0;
  constructor(
    readonly name: InvariantName,
    private readonly max: number,
  ) {}
  fail(message: string): void {
    this.count++;
    if (this.violations.length < this.max) this.violations.push(message);
  }
  note(message: string): void {
    this.notes.push(message);
  }
  unreadable(m: Model, entities: readonly Unreadable["entity"][]): void {
    for (const u of m.unreadable.filter((x) => entities.includes(x.entity))) {
      this.fail(`${u.entity} item ${u.id} does not parse by its schema: ${u.error}`);
    }
  }
  leftOut(m: Model, what: string): void {
    const lines = m.unreadable.filter((u) => u.entity === "line").length;
    if (lines > 0) this.note(`${lines} unreadable line item(s) left out of ${what}`);
  }
  result(skipped = false): InvariantResult {
    return {
      name: this.name,
      ok: this.count === 0,
      skipped,
      checked: this.checked,
      violations: this.violations,
      violationCount: this.count,
      notes: this.notes,
    };
  }
}

const describeLine = ({ line }: LineRec) =>
  `line ${line.lineId} (order ${line.orderId}, ${line.sku} x${line.qty}, ${line.status})`;
const ms = (iso: string) => Date.parse(iso);
const queueKey = (line: Pick<Line, "createdAt" | "lineId">) => `${line.createdAt}#${line.lineId}`;
const sum = (lines: readonly LineRec[]) => lines.reduce((n, r) => n + r.line.qty, 0);

interface Context {
  m: Model;
  snapshot: Snapshot;
  quiescent: boolean;
  options: InvariantOptions;
}

// ---------------------------------------------------------------------------------------------
// 1. stock-conservation

/**
 * What every counter move of shared/adapters/dynamodb/stock.ts keeps true:
 * - `allocated >= 0` and `backorderedQty >= 0` (units are only released that were held);
 * - the figures stored for conditions agree with the counters: `committed = allocated +
 *   backorderedQty`, `atp = onHand - committed`, `free = onHand - allocated` (every write
 *   moves them together; a SKU stored before they existed lacks them until intake reads it);
 * - a receipt gives at most what it brought: per SKU, `unitsLeft >= 0` and its fills add up to
 *   the units it received less `unitsLeft`; its `pendingStock` entry is the whole quantity
 *   until the units are in stock, and none is left once it is `done`;
 * - each fill names a line of that SKU, now of the quantity filled, that moved to `allocated`
 *   at the batch's time, and no line is filled twice;
 * - with `onHandBaseline`: `onHand = baseline + units received into stock - units shipped`
 *   (shipping is the only move that takes units off hand; a line's units leave with its move
 *   to `shipped`), and neither `onHand` nor `free` is negative. `atp` may be negative (more
 *   is owed than is on hand) and without a baseline so may `free` (a PUT may count less
 *   than is allocated).
 */
function stockConservation({ m, options }: Context, f: Findings): void {
  f.unreadable(m, ["sku", "receipt", "fills"]);
  let noDerived = 0;
  for (const [code, { item, sku }] of m.skus) {
    f.checked++;
    if (sku.allocated < 0) f.fail(`SKU ${code}: allocated is ${sku.allocated}, below 0`);
    if (sku.backorderedQty < 0) {
      f.fail(`SKU ${code}: backorderedQty is ${sku.backorderedQty}, below 0`);
    }
    const committed = num(item.committed);
    const atp = num(item.atp);
    const free = num(item.free);
    if (committed === undefined || atp === undefined || free === undefined) {
      noDerived++;
      continue;
    }
    if (committed !== sku.allocated + sku.backorderedQty) {
      f.fail(
        `SKU ${code}: committed is ${committed}, not allocated + backorderedQty = ${sku.allocated} + ${sku.backorderedQty}`,
      );
    }
    if (atp !== sku.onHand - committed) {
      f.fail(`SKU ${code}: atp is ${atp}, not onHand - committed = ${sku.onHand} - ${committed}`);
    }
    if (free !== sku.onHand - sku.allocated) {
      f.fail(
        `SKU ${code}: free is ${free}, not onHand - allocated = ${sku.onHand} - ${sku.allocated}`,
      );
    }
  }
  if (noDerived > 0) {
    f.note(`${noDerived} SKU(s) without committed/atp/free (stored before them): not compared`);
  }

  // Receipts and their fills.
  const filledBy = new Map<string, number>();
  const seenFill = new Map<string, string>();
  for (const batch of m.fillBatches) {
    if (!m.receipts.has(batch.receiptId)) {
      f.fail(`fills ${batch.sk} of receipt ${batch.receiptId}: the receipt is not in the snapshot`);
    }
    for (const fill of batch.fills) {
      f.checked++;
      const k = `${batch.receiptId}/${fill.sku}`;
      filledBy.set(k, (filledBy.get(k) ?? 0) + fill.qty);
      const id = lineKey(fill.orderId, fill.lineId);
      const before = seenFill.get(id);
      if (before) {
        f.fail(
          `line ${fill.lineId} (order ${fill.orderId}) is filled twice: ${before}, ${batch.sk}`,
        );
      }
      seenFill.set(id, `${batch.receiptId} ${batch.sk}`);
      const rec = m.lineByKey.get(id);
      if (!rec) {
        f.fail(
          `receipt ${batch.receiptId} filled line ${fill.lineId} (order ${fill.orderId}), which is not in the snapshot`,
        );
        continue;
      }
      const { line } = rec;
      if (line.sku !== fill.sku) {
        f.fail(`receipt ${batch.receiptId} filled ${describeLine(rec)} with ${fill.sku}`);
      }
      if (line.qty !== fill.qty) {
        f.fail(`receipt ${batch.receiptId} filled ${describeLine(rec)} with ${fill.qty} units`);
      }
      if (!line.history.some((h) => h.status === "allocated" && h.at === batch.at)) {
        f.fail(
          `receipt ${batch.receiptId} filled ${describeLine(rec)} at ${batch.at}, but the line has no allocated entry then`,
        );
      }
    }
  }
  for (const [id, { receipt }] of m.receipts) {
    f.checked++;
    for (const [sku, qty] of qtyBySku(receipt.lines)) {
      const left = receipt.unitsLeft?.[sku];
      const filled = filledBy.get(`${id}/${sku}`) ?? 0;
      if (left !== undefined) {
        if (left < 0) f.fail(`receipt ${id}: unitsLeft of ${sku} is ${left}, below 0`);
        if (filled !== qty - left) {
          f.fail(
            `receipt ${id}: its fills of ${sku} add up to ${filled}, not received - unitsLeft = ${qty} - ${left}`,
          );
        }
      } else if (filled > qty) {
        f.fail(
          `receipt ${id}: its fills of ${sku} add up to ${filled}, more than the ${qty} received`,
        );
      }
      const pending = receipt.pendingStock?.[sku];
      if (pending !== undefined && pending !== qty) {
        f.fail(`receipt ${id}: pendingStock of ${sku} is ${pending}, not the ${qty} received`);
      }
      if (pending !== undefined && receipt.done) {
        f.fail(`receipt ${id} is done but ${sku}'s ${pending} units were never put in stock`);
      }
    }
  }

  if (options.countsNeverBelowAllocated) {
    for (const [code, { sku }] of m.skus) {
      if (sku.onHand - sku.allocated < 0) {
        f.fail(
          `SKU ${code}: ${sku.allocated} allocated, more than the ${sku.onHand} received and counted`,
        );
      }
    }
  }
  const baseline = options.onHandBaseline;
  if (!baseline) {
    f.note(
      options.countsNeverBelowAllocated
        ? "no onHandBaseline: onHand against receipts and shipments not checked"
        : "no onHandBaseline: onHand against receipts and shipments, onHand >= 0 and free >= 0 not checked",
    );
    return;
  }
  const received = new Map<string, number>();
  for (const { receipt } of m.receipts.values()) {
    for (const [sku, qty] of qtyBySku(receipt.lines)) {
      const inStock = receipt.pendingStock?.[sku] === undefined ? qty : 0;
      received.set(sku, (received.get(sku) ?? 0) + inStock);
    }
  }
  for (const code of new Set([...Object.keys(baseline), ...m.skus.keys()])) {
    const start = baseline[code];
    const stored = m.skus.get(code)?.sku;
    if (start === undefined) {
      f.note(`SKU ${code} has no baseline: its onHand not accounted`);
      continue;
    }
    if (!stored) {
      f.fail(`SKU ${code} has a baseline but is not in the snapshot`);
      continue;
    }
    const shipped = sum(
      (m.linesBySku.get(code) ?? []).filter(
        (r) => r.line.status === "shipped" || r.line.status === "delivered",
      ),
    );
    const inStock = received.get(code) ?? 0;
    const expected = start + inStock - shipped;
    if (stored.onHand !== expected) {
      f.fail(
        `SKU ${code}: onHand is ${stored.onHand}, not baseline ${start} + received ${inStock} - shipped ${shipped} = ${expected}`,
      );
    }
    if (stored.onHand < 0) f.fail(`SKU ${code}: onHand is ${stored.onHand}, below 0`);
    if (stored.onHand - stored.allocated < 0) {
      f.fail(
        `SKU ${code}: allocated ${stored.allocated} is more than the ${stored.onHand} on hand`,
      );
    }
  }
}

// ---------------------------------------------------------------------------------------------
// 2. counters-match-lines

/**
 * A SKU's counters are the sums of its lines (every move of a line's units writes the line
 * and the SKU in one transaction: intake, allocation with its split, cancel, shipping):
 * - `backorderedQty` = the units of its lines in `backordered` (a split's remainder is a
 *   new backordered line; the filled part is moved to `allocated` with its new quantity);
 * - `allocated` = the units of its lines whose status holds units reserved, by the domain's
 *   own `unitsHeldIn`: allocated, awaiting_payment, charged, shipment_requested (shipping
 *   takes them off `allocated` and `onHand`; a cancel releases them).
 * A substitute is a new line of its own SKU (taken like intake), its original cancelled.
 */
function countersMatchLines({ m }: Context, f: Findings): void {
  f.unreadable(m, ["sku"]);
  f.leftOut(m, "the sums");
  const heldAllocated = LINE_STATUSES.filter((s) => unitsHeldIn(s) === "allocated");
  f.note(`allocated is compared with the lines in ${heldAllocated.join(", ")}`);
  for (const [code, { sku }] of m.skus) {
    f.checked++;
    const lines = m.linesBySku.get(code) ?? [];
    const waiting = lines.filter((r) => unitsHeldIn(r.line.status) === "backordered");
    const held = lines.filter((r) => unitsHeldIn(r.line.status) === "allocated");
    if (sku.backorderedQty !== sum(waiting)) {
      f.fail(
        `SKU ${code}: backorderedQty is ${sku.backorderedQty}, but its ${waiting.length} backordered line(s) wait for ${sum(waiting)} (off by ${sku.backorderedQty - sum(waiting)}): ${ids(waiting)}`,
      );
    }
    if (sku.allocated !== sum(held)) {
      f.fail(
        `SKU ${code}: allocated is ${sku.allocated}, but its ${held.length} line(s) holding units hold ${sum(held)} (off by ${sku.allocated - sum(held)}): ${ids(held)}`,
      );
    }
  }
  for (const [code, lines] of m.linesBySku) {
    if (!m.skus.has(code)) {
      f.fail(
        `${lines.length} line(s) of SKU ${code}, which the snapshot does not hold: ${ids(lines)}`,
      );
    }
  }
}

function ids(lines: readonly LineRec[], max = 10): string {
  const shown = lines.slice(0, max).map((r) => r.line.lineId);
  return lines.length > max
    ? `${shown.join(", ")} … (${lines.length})`
    : shown.join(", ") || "none";
}

// ---------------------------------------------------------------------------------------------
// 3. fifo

/**
 * The waiting queue is served oldest first (shared/domain/allocation.ts fillOldestFirst over
 * the gsi4 queue, `<createdAt>#<lineId>` ascending): no line leaves the queue `allocated`
 * while a line before it in that order was waiting and went on waiting. From the history:
 * a line waits from its `backordered` entry (a split remainder, which copies its original's
 * history and `createdAt`, from its original's `allocated` entry, when it was split off)
 * until its next entry (`allocated` from the queue, or `cancelled`), or is waiting still.
 * A violation: B moved to `allocated` at t while A, before B in the queue, had entered it
 * before t and left it after t (or never). A and B in one batch share t: not a violation.
 * Also: every backordered line is on its SKU's queue (gsi4) with its key, and no other
 * line is (else the allocator never sees it, or reads a stale entry).
 */
function fifo({ m, options }: Context, f: Findings): void {
  f.leftOut(m, "the queues");
  const tolerance = options.fifoToleranceMs ?? 0;
  for (const rec of m.lines) {
    const { line, item } = rec;
    const onQueue = str(item.gsi4pk);
    const legacy = str(item.gsi1pk) === `${KEYS.waiting}${line.sku}`;
    if (line.status === "backordered") {
      const right = onQueue === `${KEYS.waiting}${line.sku}` && str(item.gsi4sk) === queueKey(line);
      if (!right && !legacy) {
        f.fail(
          `${describeLine(rec)} waits but is not on its SKU's queue (gsi4pk ${onQueue ?? "absent"}, gsi4sk ${str(item.gsi4sk) ?? "absent"}): the allocator never sees it`,
        );
      }
    } else if (onQueue !== undefined || legacy) {
      f.fail(`${describeLine(rec)} is still on the waiting queue (${onQueue ?? "gsi1"})`);
    }
  }

  for (const [code, lines] of m.linesBySku) {
    const queued: {
      rec: LineRec;
      key: string;
      enter: number;
      leave: number | null;
      allocated: boolean;
    }[] = [];
    for (const rec of lines) {
      const { line } = rec;
      const first = line.history[0];
      if (first?.status !== "backordered") continue;
      f.checked++;
      let enter = ms(first.at);
      if (line.splitFrom) {
        const parent = m.lineByKey.get(lineKey(line.orderId, line.splitFrom));
        const split = parent?.line.history.find((h) => h.status === "allocated");
        if (split) enter = ms(split.at);
        else {
          f.fail(
            `${describeLine(rec)} was split from ${line.splitFrom}, which ${parent ? "was never allocated" : "is not in the snapshot"}`,
          );
        }
      }
      const next = line.history[1];
      queued.push({
        rec,
        key: queueKey(line),
        enter,
        leave: next ? ms(next.at) : null,
        allocated: next?.status === "allocated",
      });
    }
    // DynamoDB orders sort keys by their bytes: plain string order (ASCII keys).
    queued.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
    for (let i = 0; i < queued.length; i++) {
      const b = queued[i];
      if (!b?.allocated || b.leave === null) continue;
      const t = b.leave;
      let skipped: (typeof queued)[number] | undefined;
      for (let j = 0; j < i && !skipped; j++) {
        const a = queued[j];
        if (a && a.enter < t - tolerance && (a.leave === null || a.leave > t + tolerance)) {
          skipped = a;
        }
      }
      if (!skipped) continue;
      const left = skipped.rec.line.history[1];
      f.fail(
        `SKU ${code}: ${describeLine(b.rec)} (queued ${b.key}) was allocated at ${new Date(t).toISOString()} ` +
          `while older line ${skipped.rec.line.lineId} (order ${skipped.rec.line.orderId}, queued ${skipped.key}) ` +
          `had waited since ${new Date(skipped.enter).toISOString()} and ` +
          (left ? `left the queue ${left.status} at ${left.at}` : "still waits"),
      );
    }
  }
}

// ---------------------------------------------------------------------------------------------
// 4. reachable-statuses

/**
 * A line's history is a path of LINE_TRANSITIONS from a status a line is created in
 * (INITIAL_LINE_STATUSES), written by `lineTransition` only (status and entry together):
 * its status is its last entry's, a final status has no entry after it, the entries' times
 * do not go back, and the first entry is the line's `createdAt` (intake, substitutes and a
 * split's remainder, which copies its original's, all write it so).
 */
function reachableStatuses({ m }: Context, f: Findings): void {
  f.leftOut(m, "the paths");
  for (const rec of m.lines) {
    f.checked++;
    const { line } = rec;
    const h = line.history;
    const first = h[0];
    if (!first) {
      f.fail(`${describeLine(rec)} has no history`);
      continue;
    }
    if (!INITIAL_LINE_STATUSES.includes(first.status)) {
      f.fail(
        `${describeLine(rec)} starts its history ${first.status}, not a status lines are created in`,
      );
    }
    if (first.at !== line.createdAt) {
      f.fail(
        `${describeLine(rec)}: its first entry is at ${first.at}, not its createdAt ${line.createdAt}`,
      );
    }
    for (let i = 0; i < h.length; i++) {
      const entry = h[i];
      if (!entry) continue;
      if (Number.isNaN(ms(entry.at)))
        f.fail(`${describeLine(rec)}: entry ${i} has no time (${entry.at})`);
      const prev = h[i - 1];
      if (!prev) continue;
      if (TERMINAL_LINE_STATUSES.includes(prev.status)) {
        f.fail(
          `${describeLine(rec)} moved to ${entry.status} at ${entry.at} after its final status ${prev.status}`,
        );
      } else if (!canTransition(prev.status, entry.status)) {
        f.fail(
          `${describeLine(rec)} went ${prev.status} -> ${entry.status} at ${entry.at}: not an allowed move`,
        );
      }
      if (ms(entry.at) < ms(prev.at)) {
        f.fail(
          `${describeLine(rec)}: entry ${entry.status} at ${entry.at} is before ${prev.status} at ${prev.at}`,
        );
      }
    }
    const last = h[h.length - 1];
    if (last && last.status !== line.status) {
      f.fail(
        `${describeLine(rec)}: its status is ${line.status} but its last entry is ${last.status}`,
      );
    }
  }
}

// ---------------------------------------------------------------------------------------------
// 5. single-charge

/**
 * A line is charged once (shared/adapters/dynamodb/charges.ts, shared/services/charging.ts):
 * `charge` is written with the move to `charged` (one field, one entry), attempt n with the
 * key `<lineId>:charge:<n>`, and a refund once with `<lineId>:refund`:
 * - a line with a `charged` entry has its `charge`, and a line with a `charge` has the entry
 *   (so every line charged / requested / shipped / delivered was paid, and none before);
 * - the charge is the line's amount (qty x unitPrice, its currency), of an attempt started
 *   (`attempt <= chargeAttempts`); no two lines share a charge or refund id;
 * - only a cancelled line has a `refund` (a cancel that won against a charge in flight
 *   refunds without ever recording the charge on the line);
 * - the sandbox's ids are derived from the keys: a charge id is that of its line's attempt;
 * - at quiescence: a cancelled line that was charged has its refund, and no cancelled line
 *   still has an attempt in flight (`chargingAttempt`);
 * - with the provider's ledger: per line at most one charge id and one refund id, every line's
 *   charge and refund are in it and, at quiescence, every charge in it is the line's own or
 *   refunded.
 */
function singleCharge({ m, snapshot, quiescent }: Context, f: Findings): void {
  f.leftOut(m, "the charges");
  const byCharge = new Map<string, LineRec[]>();
  const byRefund = new Map<string, LineRec[]>();
  let noOrder = 0;
  for (const rec of m.lines) {
    f.checked++;
    const { line } = rec;
    const charged = line.history.some((h) => h.status === "charged");
    if (charged && !line.charge) {
      f.fail(`${describeLine(rec)} went through charged with no charge recorded (paid? never)`);
    }
    if (line.charge && !charged) {
      f.fail(`${describeLine(rec)} has charge ${line.charge.chargeId} but never moved to charged`);
    }
    if (PAID_STATUSES.includes(line.status) && !line.charge && !charged) {
      f.fail(`${describeLine(rec)} is ${line.status} without a charge`);
    }
    if (line.refund && line.status !== "cancelled") {
      f.fail(`${describeLine(rec)} has refund ${line.refund.refundId} but is not cancelled`);
    }
    if (line.charge) {
      push(byCharge, line.charge.chargeId, rec);
      if (line.charge.amount !== lineAmount(line) || line.charge.currency !== line.currency) {
        f.fail(
          `${describeLine(rec)}: charge ${line.charge.chargeId} is ${line.charge.amount} ${line.charge.currency}, not ${lineAmount(line)} ${line.currency}`,
        );
      }
      const started = line.chargeAttempts ?? 0;
      if (line.charge.attempt < 1 || line.charge.attempt > started) {
        f.fail(
          `${describeLine(rec)}: charge ${line.charge.chargeId} is of attempt ${line.charge.attempt}, but ${started} attempt(s) were started`,
        );
      }
    }
    if (line.refund) push(byRefund, line.refund.refundId, rec);
    const order = m.orders.get(line.orderId)?.order;
    if (!order) noOrder++;
    else if (order.payment.provider === "sandbox") {
      if (
        line.charge &&
        line.charge.chargeId !== sandboxChargeId(chargeKey(line.lineId, line.charge.attempt))
      ) {
        f.fail(
          `${describeLine(rec)}: charge ${line.charge.chargeId} is not the sandbox's charge of ${chargeKey(line.lineId, line.charge.attempt)}`,
        );
      }
      if (line.refund && line.refund.refundId !== sandboxRefundId(refundKey(line.lineId))) {
        f.fail(
          `${describeLine(rec)}: refund ${line.refund.refundId} is not the sandbox's refund of the line`,
        );
      }
    }
    if (quiescent && line.status === "cancelled") {
      if (line.charge && !line.refund) {
        f.fail(
          `${describeLine(rec)} was charged ${line.charge.chargeId} and cancelled, never refunded`,
        );
      }
      if (typeof line.chargingAttempt === "number") {
        f.fail(
          `${describeLine(rec)} is cancelled with charge attempt ${line.chargingAttempt} never settled`,
        );
      }
    }
  }
  if (noOrder > 0) f.note(`${noOrder} line(s) without their order: sandbox ids not checked`);
  for (const [id, recs] of byCharge) {
    if (recs.length > 1) f.fail(`charge ${id} is recorded on ${recs.length} lines: ${ids(recs)}`);
  }
  for (const [id, recs] of byRefund) {
    if (recs.length > 1) f.fail(`refund ${id} is recorded on ${recs.length} lines: ${ids(recs)}`);
  }

  const ledger = snapshot.payments;
  if (!ledger) {
    f.note("no payment ledger: charges are checked as the lines record them");
    return;
  }
  const charges = new Map<string, Map<string, PaymentRecord>>();
  const refunds = new Map<string, Map<string, PaymentRecord>>();
  const linesById = new Map(m.lines.map((r) => [r.line.lineId, r]));
  for (const p of ledger) {
    f.checked++;
    const charge = /^(.+):charge:(\d+)$/.exec(p.idempotencyKey);
    const refund = /^(.+):refund$/.exec(p.idempotencyKey);
    const lineId = p.kind === "charge" ? charge?.[1] : refund?.[1];
    if (!lineId) {
      f.fail(`provider ${p.kind} ${p.id} has key ${p.idempotencyKey}, no line's`);
      continue;
    }
    const target = p.kind === "charge" ? charges : refunds;
    const forLine = target.get(lineId) ?? new Map<string, PaymentRecord>();
    forLine.set(p.id, p);
    target.set(lineId, forLine);
  }
  for (const [lineId, made] of charges) {
    const rec = linesById.get(lineId);
    const what = rec ? describeLine(rec) : `line ${lineId}`;
    if (made.size > 1) {
      f.fail(
        `${what} was charged ${made.size} times by the provider: ${[...made.keys()].join(", ")}`,
      );
    }
    if (!rec) {
      f.fail(
        `the provider charged ${[...made.keys()].join(", ")} for line ${lineId}, which is not in the snapshot`,
      );
      continue;
    }
    const refunded = (refunds.get(lineId)?.size ?? 0) > 0 || Boolean(rec.line.refund);
    for (const id of made.keys()) {
      if (quiescent && rec.line.charge?.chargeId !== id && !refunded) {
        f.fail(`${what}: the provider's charge ${id} is neither the line's charge nor refunded`);
      }
    }
  }
  for (const [lineId, made] of refunds) {
    if (made.size > 1) {
      f.fail(
        `line ${lineId} was refunded ${made.size} times by the provider: ${[...made.keys()].join(", ")}`,
      );
    }
  }
  for (const rec of m.lines) {
    const { line } = rec;
    // The ledger is the sandbox's: another provider's charges are not in it.
    if (m.orders.get(line.orderId)?.order.payment.provider !== "sandbox") continue;
    if (line.charge && !charges.get(line.lineId)?.has(line.charge.chargeId)) {
      f.fail(
        `${describeLine(rec)} records charge ${line.charge.chargeId}, which the provider never made`,
      );
    }
    if (line.refund && !refunds.get(line.lineId)?.has(line.refund.refundId)) {
      f.fail(
        `${describeLine(rec)} records refund ${line.refund.refundId}, which the provider never made`,
      );
    }
  }
}

// ---------------------------------------------------------------------------------------------
// 6. no-duplicate-email

/**
 * An email goes out once per event (shared/adapters/dynamodb/notifications.ts): claimed as
 * `NOTIF#<event key>` before it is sent, every send of it carrying the message key
 * `messageKeyOf(orderId, key)` in the `X-Backorder-Message-Key` header (the local mail store
 * keeps the headers, not the SES tags). So:
 * - no message key is in the mail store twice (see `crashWindowDuplicates`), and each one
 *   there is some claim's;
 * - a claim's message key is derived from its order and key, and its kind is its key's;
 * - a sent claim's message id is in the store, sent to the claim's address;
 * - sent (or sending: maybe sent) claims of ONCE_PER_LINE_KINDS name each line once per kind;
 * - a sent or failed claim parses as the API lists it (notificationSchema).
 */
function noDuplicateEmail({ m, snapshot, options }: Context, f: Findings): void {
  f.unreadable(m, ["notification"]);
  const states = new Map<string, number>();
  const byMessageKey = new Map<string, NotificationRec>();
  const perLine = new Map<string, NotificationRec[]>();
  for (const n of m.notifications) {
    f.checked++;
    states.set(n.state, (states.get(n.state) ?? 0) + 1);
    const where = `email ${n.kind} ${n.sk} (order ${n.orderId}, ${n.state})`;
    if (n.key !== null) {
      if (n.key.split("#")[0] !== n.kind)
        f.fail(`${where} is of kind ${n.kind}, its key says otherwise`);
      const expected = messageKeyOf(n.orderId, n.key);
      if (n.messageKey !== expected) {
        f.fail(`${where} has message key ${n.messageKey ?? "none"}, not ${expected}`);
      }
    } else if (n.messageKey === undefined) {
      f.fail(`${where} has no message key`);
    }
    if (n.messageKey !== undefined) {
      const other = byMessageKey.get(n.messageKey);
      if (other) f.fail(`${where} shares its message key with ${other.sk}`);
      byMessageKey.set(n.messageKey, n);
    }
    if (n.state === "sent" || n.state === "failed") {
      const parsed = notificationSchema.safeParse(n.item);
      if (!parsed.success)
        f.fail(`${where} does not parse as the API lists it: ${issues(parsed.error)}`);
    }
    if ((n.state === "sent" || n.state === "sending") && ONCE_PER_LINE_KINDS.includes(n.kind)) {
      for (const lineId of n.lineIds) push(perLine, `${n.kind}/${n.orderId}/${lineId}`, n);
    }
  }
  f.note(`claims by state: ${[...states].map(([s, n]) => `${s} ${n}`).join(", ") || "none"}`);
  for (const [k, claims] of perLine) {
    if (claims.length < 2) continue;
    const [kind, orderId, lineId] = k.split("/");
    f.fail(
      `line ${lineId} (order ${orderId}) has ${claims.length} ${kind} emails under different keys: ${claims.map((c) => `${c.sk} (${c.state})`).join(", ")}`,
    );
  }

  const mails = snapshot.mails;
  if (!mails) {
    f.note("no mail store: sends not counted");
    return;
  }
  const keyed = new Map<string, MailRecord[]>();
  let unkeyed = 0;
  const byMessageId = new Map<string, MailRecord>();
  for (const mail of mails) {
    f.checked++;
    if (mail.messageId) byMessageId.set(mail.messageId, mail);
    const header = mail.headers?.find(
      (h) => h.name.toLowerCase() === MESSAGE_KEY_HEADER.toLowerCase(),
    );
    if (!header) unkeyed++;
    else push(keyed, header.value, mail);
  }
  if (unkeyed > 0)
    f.note(`${unkeyed} mail(s) without a message key (not the engine's): not counted`);
  for (const [key, sent] of keyed) {
    const claim = byMessageKey.get(key);
    const what = claim
      ? `email ${claim.kind} ${claim.sk} (order ${claim.orderId})`
      : `message key ${key}`;
    if (sent.length > 1) {
      const claims = claim ? (num(claim.item.attempts) ?? 0) : 0;
      const copies = sent.map((s) => `${s.messageId ?? "?"} "${s.subject}"`).join(", ");
      // More sends than claims: something sent it past the claim. Otherwise a claim's lease
      // ran out after a send that did go (the documented crash window, notify.ts).
      if (sent.length <= claims && options.crashWindowDuplicates === "note") {
        f.note(
          `${what} went out ${sent.length} times in ${claims} claims (crash window): ${copies}`,
        );
      } else {
        f.fail(`${what} went out ${sent.length} times (claimed ${claims} times): ${copies}`);
      }
    }
    if (!claim) {
      f.fail(
        `message key ${key} ("${sent[0]?.subject}" to ${sent[0]?.to.join(", ")}) was sent without a claim`,
      );
      continue;
    }
    for (const mail of sent) {
      if (!mail.to.includes(claim.to)) {
        f.fail(`${what} went to ${mail.to.join(", ")}, not to ${claim.to}`);
      }
    }
  }
  if (byMessageId.size === 0) {
    f.note("the mails carry no message ids: sent claims not looked up in the store");
    return;
  }
  for (const n of m.notifications) {
    if (n.state !== "sent") continue;
    if (!n.messageId || !byMessageId.has(n.messageId)) {
      f.fail(
        `email ${n.kind} ${n.sk} (order ${n.orderId}) is marked sent as ${n.messageId ?? "no message"}, which the mail store does not hold`,
      );
    }
  }
}

// ---------------------------------------------------------------------------------------------
// 7. orders-readable

/**
 * Every order and line parses by its schema under its own key; every line has its order and
 * every order its lines. The order item does not count its lines: intake's record
 * (`IDEMP#orders#<key>`, kept 7 days) holds them as placed, so where it is in the snapshot
 * every line placed is there and every line there is one placed, a part split off one
 * (`splitFrom`, in the same order), or a substitute (`<lineId>-s<n>` of a line of the order);
 * and a placed line's units are the sum of it and its split parts (a split moves units, it
 * neither makes nor loses any).
 */
function ordersReadable({ m }: Context, f: Findings): void {
  f.unreadable(m, ["order", "line", "idempotency"]);
  for (const [orderId, { item }] of m.orders) {
    f.checked++;
    if (item.pk !== `${KEYS.orderPk}${orderId}`)
      f.fail(`order ${orderId} is stored under ${String(item.pk)}`);
  }
  for (const rec of m.lines) {
    f.checked++;
    const { line, item } = rec;
    if (
      item.pk !== `${KEYS.orderPk}${line.orderId}` ||
      item.sk !== `${KEYS.lineSk}${line.lineId}`
    ) {
      f.fail(`${describeLine(rec)} is stored under ${String(item.pk)} ${String(item.sk)}`);
    }
    if (!m.orders.has(line.orderId)) f.fail(`${describeLine(rec)} has no order ${line.orderId}`);
  }
  let noIntake = 0;
  for (const orderId of m.orders.keys()) {
    const lines = m.linesByOrder.get(orderId) ?? [];
    if (lines.length === 0) f.fail(`order ${orderId} has no lines`);
    const byId = new Map(lines.map((r) => [r.line.lineId, r]));
    for (const rec of lines) {
      const { line } = rec;
      const substitute = /^(.+)-s\d+$/.exec(line.lineId);
      if (line.splitFrom && !byId.has(line.splitFrom)) {
        f.fail(`${describeLine(rec)} was split from ${line.splitFrom}, not a line of its order`);
      }
      if (substitute?.[1] && !byId.has(substitute[1])) {
        f.fail(`${describeLine(rec)} substitutes ${substitute[1]}, not a line of its order`);
      }
    }
    const placed = m.intake.get(orderId);
    if (!placed) {
      noIntake++;
      continue;
    }
    const placedIds = new Set(placed.created.lines.map((l) => l.lineId));
    const missing = placed.created.lines.filter((l) => !byId.has(l.lineId));
    if (missing.length > 0) {
      f.fail(
        `order ${orderId}: intake placed ${placed.created.lines.length} line(s), ${missing.length} missing: ${missing.map((l) => l.lineId).join(", ")}`,
      );
    }
    for (const rec of lines) {
      const { line } = rec;
      const substitute = /^(.+)-s\d+$/.exec(line.lineId)?.[1];
      const accounted =
        placedIds.has(line.lineId) ||
        (line.splitFrom !== undefined && byId.has(line.splitFrom)) ||
        (substitute !== undefined && byId.has(substitute));
      if (!accounted) f.fail(`${describeLine(rec)} was neither placed, split off nor substituted`);
    }
    const all = lines.map((r) => r.line);
    for (const p of placed.created.lines) {
      const now = byId.get(p.lineId);
      if (!now) continue;
      const units = now.line.qty + splitPartsOf(all, p.lineId).reduce((n, l) => n + l.qty, 0);
      if (units !== p.qty) {
        f.fail(
          `order ${orderId}: line ${p.lineId} was placed for ${p.qty} units; it and its split parts hold ${units}`,
        );
      }
    }
  }
  if (noIntake > 0) {
    f.note(
      `${noIntake} order(s) without intake's record (expired, or put directly): lines not counted`,
    );
  }
  const orphans = [...m.linesByOrder.keys()].filter((id) => !m.orders.has(id)).length;
  if (orphans > 0) f.note(`${orphans} order id(s) with lines and no order item`);
}

// ---------------------------------------------------------------------------------------------
// 8. no-stale-park

/**
 * At quiescence every live line is parked on what its status waits for, and nothing it
 * waits for has happened (shared/domain/waits.ts: a line parks only while the condition of
 * its wait holds, checked in the write that records `waitToken` and `waitingFor`; whoever
 * changes the line marks a wake-up, `wakeDue`, in the same write, and the park removes it):
 * - a line neither delivered nor cancelled last parked with `waitingFor` = the wait of its
 *   status (stock: backordered, group: allocated, payment: awaiting_payment, shipped:
 *   shipment_requested, delivered: shipped; `charged` is never parked: its step asks the
 *   warehouse at once), with a token; and it is on the live-lines index (gsi3), which is how
 *   the backstop finds it if its execution stops;
 * - every receipt is `done` (its units in stock and given to the queue, its lines re-dated);
 * - no SKU has free units (`onHand - allocated`) while a line waits: the allocator runs on
 *   every receipt, cancel and PUT that frees units, and fills the queue head first (the
 *   lines `fillOldestFirst` would fill now are reported);
 * - with `now`: no live line keeps a wake-up mark older than `owedGraceMs` (the deliverer
 *   retries it until the line parks again), and no line still awaits payment past its
 *   window's end by more than that (its wait times out then and cancels it).
 * The token itself is never removed, so a line that moved on keeps a stale one: only
 * `waitingFor` against the status tells a stale park.
 */
function noStalePark({ m, options }: Context, f: Findings): void {
  f.leftOut(m, "the parks");
  const now = options.now === undefined ? undefined : new Date(options.now).getTime();
  if (now !== undefined && Number.isNaN(now))
    throw new RangeError(`now is not a time: ${options.now}`);
  const grace = options.owedGraceMs ?? DEFAULT_OWED_GRACE_MS;
  if (now === undefined) f.note("no `now`: owed wake-ups and passed payment windows not checked");
  for (const rec of m.lines) {
    const { line, item } = rec;
    if (TERMINAL_LINE_STATUSES.includes(line.status)) continue;
    f.checked++;
    const waitingFor = str(item.waitingFor);
    const wait = (WAITS as readonly string[]).includes(waitingFor ?? "")
      ? (waitingFor as WaitKind)
      : undefined;
    if (!wait || typeof item.waitToken !== "string") {
      f.fail(
        `${describeLine(rec)} is not parked (waitingFor ${waitingFor ?? "absent"}, ${typeof item.waitToken === "string" ? "a token" : "no token"})`,
      );
    } else if (WAIT_STATUS[wait] !== line.status) {
      f.fail(
        `${describeLine(rec)} last parked waiting for ${wait} (a ${WAIT_STATUS[wait]} line's wait): its token is stale and nothing wakes it`,
      );
    } else if (wait === "group" && line.shipmentId) {
      // What else a park needs (shared/adapters/dynamodb/line-waits.ts PARK_ALSO).
      f.fail(
        `${describeLine(rec)} is parked for its siblings, but its shipment ${line.shipmentId} is formed`,
      );
    } else if (wait === "payment" && line.retryCharge === true) {
      f.fail(`${describeLine(rec)} is parked for a payment method, but one was given`);
    }
    if (!str(item.gsi3pk)?.startsWith(KEYS.live) || item.gsi3sk !== line.lineId) {
      f.fail(
        `${describeLine(rec)} is live but off the live-lines index (gsi3pk ${String(item.gsi3pk)})`,
      );
    }
    if (now === undefined) continue;
    const due = str(item.wakeDue);
    const markedAt = due ? ms(due.split("#")[0] ?? "") : Number.NaN;
    if (due && !(markedAt >= now - grace)) {
      f.fail(
        `${describeLine(rec)} has owed a wake-up since ${due.split("#")[0]} (attempts ${String(item.wakeAttempts ?? 0)})`,
      );
    }
    if (line.status === "awaiting_payment" && line.paymentDueBy) {
      const dueBy = ms(line.paymentDueBy);
      if (dueBy < now - grace) {
        f.fail(
          `${describeLine(rec)} still awaits payment; its window closed at ${line.paymentDueBy}`,
        );
      }
    }
  }
  for (const [id, { receipt }] of m.receipts) {
    // Its units are given to the queue before it is marked done (services/receive.ts).
    if (!receipt.done) f.fail(`receipt ${id} is not done: its units may never reach the queue`);
  }
  for (const [code, { sku }] of m.skus) {
    const free = sku.onHand - sku.allocated;
    const queue = (m.linesBySku.get(code) ?? [])
      .filter((r) => r.line.status === "backordered")
      .map((r) => r.line)
      .sort((a, b) => (queueKey(a) < queueKey(b) ? -1 : queueKey(a) > queueKey(b) ? 1 : 0));
    if (free <= 0 || queue.length === 0) continue;
    const fills = fillOldestFirst(free, queue);
    const head = fills[0];
    if (!head) continue;
    f.fail(
      `SKU ${code} has ${free} free unit(s) while ${queue.length} line(s) wait: line ${head.line.lineId} (order ${head.line.orderId}, x${head.line.qty}, queued ${queueKey(head.line)}) ` +
        `should have got ${head.qty}${fills.length > 1 ? `, and ${fills.length - 1} more line(s) after it` : ""}`,
    );
  }
}

// ---------------------------------------------------------------------------------------------
// The checker

const CHECKS: Record<InvariantName, (context: Context, findings: Findings) => void> = {
  "stock-conservation": stockConservation,
  "counters-match-lines": countersMatchLines,
  fifo,
  "reachable-statuses": reachableStatuses,
  "single-charge": singleCharge,
  "no-duplicate-email": noDuplicateEmail,
  "orders-readable": ordersReadable,
  "no-stale-park": noStalePark,
};

/** Runs every invariant over the snapshot; one result each, in INVARIANTS order. */
export function checkInvariants(
  snapshot: Snapshot,
  options: InvariantOptions = {},
): InvariantResult[] {
  const m = readModel(snapshot.items);
  const quiescent = options.quiescent ?? true;
  const context: Context = { m, snapshot, quiescent, options };
  return INVARIANTS.map((name) => {
    const findings = new Findings(name, options.maxViolations ?? 20);
    if (options.skip?.includes(name)) {
      findings.note("skipped by option");
      return findings.result(true);
    }
    if (name === "no-stale-park" && !quiescent) {
      findings.note("skipped: the snapshot was not taken at quiescence");
      return findings.result(true);
    }
    CHECKS[name](context, findings);
    if (m.other > 0 && name === "orders-readable") {
      findings.note(`${m.other} item(s) of other entities not examined`);
    }
    return findings.result();
  });
}

/** The results as text, one block per invariant (for a soak run's log). */
export function formatInvariantResults(results: readonly InvariantResult[]): string {
  return results
    .map((r) => {
      const head = `${r.skipped ? "SKIP" : r.ok ? "ok  " : "FAIL"} ${r.name}: ${r.checked} checked, ${r.violationCount} violation(s)`;
      const body = [
        ...r.violations.map((v) => `    ! ${v}`),
        ...(r.violationCount > r.violations.length
          ? [`    … ${r.violationCount - r.violations.length} more`]
          : []),
        ...r.notes.map((n) => `    - ${n}`),
      ];
      return [head, ...body].join("\n");
    })
    .join("\n");
}

const sesStoreSchema = z.object({
  emails: z.array(
    z.object({
      messageId: z.string().optional(),
      destination: z.object({ to: z.array(z.string()).default([]) }),
      subject: z.string(),
      headers: z.array(z.object({ name: z.string(), value: z.string() })).optional(),
      at: z.number().optional(),
    }),
  ),
});

/** The mails of aws-ses-v2-local's `GET /store` answer (the local stack's SES). */
export function mailsFromSesStore(store: unknown): MailRecord[] {
  return sesStoreSchema.parse(store).emails.map((e) => ({
    ...(e.messageId !== undefined ? { messageId: e.messageId } : {}),
    to: e.destination.to,
    subject: e.subject,
    ...(e.headers ? { headers: e.headers } : {}),
    ...(e.at !== undefined ? { at: e.at } : {}),
  }));
}
