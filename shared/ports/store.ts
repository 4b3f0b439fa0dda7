import type { LineStatus } from "../domain/line-states.ts";
import type { BackorderPolicy, Line, Order, Sku } from "../domain/model.ts";
import type { Notification } from "../domain/notifications.ts";
import type { WaitKind } from "../workflow/waits.ts";

export interface SkuPolicyInput {
  sku: string;
  name: string;
  onHand: number;
  backorder: BackorderPolicy;
  substitutes: string[];
}

/** `in-flight`: another attempt holds a fresh claim and may still be sending. */
export type NotificationClaim = "claimed" | "already-sent" | "in-flight";

/** A stored answer to an idempotent request (contract §5, Idempotency-Key). */
export interface IdempotencyRecord {
  scope: string;
  key: string;
  /** SHA-256 of the canonical request body. */
  requestHash: string;
  orderId: string;
  response: { status: number; body: unknown };
  createdAt: string;
  /** Epoch seconds; the table's TTL removes the record after it. */
  expiresAt: number;
  /** Set once the work after the write (emails, executions) has been done. */
  followUpDone?: boolean;
}

/** What an order takes from one SKU, with the limit it was planned against. */
export interface StockTake {
  sku: string;
  allocate: number;
  backorder: number;
  /** The SKU's backorder limit as read when planning (none = no cap). */
  limit: number | undefined;
}

export interface NewOrder {
  order: Order;
  lines: Line[];
  stock: StockTake[];
  idempotency: IdempotencyRecord;
}

/**
 * `stock-changed`: a SKU moved since it was read (plan again); `idempotency-key-taken`:
 * a concurrent request with the same key won (replay its answer).
 */
export type CreateOrderOutcome = "created" | "stock-changed" | "idempotency-key-taken";

/** A warehouse receipt (contract §6), kept so a redelivery answers the same. */
export interface ReceiptRecord {
  receiptId: string;
  asnId?: string;
  lines: { sku: string; qty: number }[];
  requestHash: string;
  /** Units of this receipt given to waiting lines (the cross-dock list), as they are made. */
  allocations: { lineId: string; orderId: string; sku: string; qty: number }[];
  done: boolean;
  createdAt: string;
}

/** Units of one SKU given to one waiting line. */
export interface LineFill {
  line: Line;
  qty: number;
  remainder: number;
}

export type AllocateOutcome = { outcome: "allocated"; remainders: Line[] } | { outcome: "changed" };

/** A page of a SKU's waiting queue; `next` continues it. */
export interface WaitingPage {
  lines: Line[];
  next: string | null;
}

/** Persistence of SKUs, orders, lines and notifications. */
export interface Store {
  getSku(sku: string): Promise<Sku | null>;
  /** Consistent reads of several SKUs; unknown ones are absent from the map. */
  getSkus(skus: readonly string[]): Promise<Map<string, Sku>>;
  putSkuPolicy(input: SkuPolicyInput, at: Date): Promise<{ sku: Sku; created: boolean }>;

  /**
   * Writes an order, its lines, what it takes from each SKU and its idempotency record in
   * one transaction: all of it or nothing.
   */
  createOrder(input: NewOrder): Promise<CreateOrderOutcome>;
  /** Adds lines to an existing order with what they take from stock, all or nothing. */
  addLines(
    lines: readonly Line[],
    stock: readonly StockTake[],
  ): Promise<"created" | "stock-changed">;
  getIdempotency(scope: string, key: string): Promise<IdempotencyRecord | null>;
  /** Marks the work after the write done; the record leaves the pending index. */
  markIdempotencyDone(scope: string, key: string): Promise<void>;
  /** Records whose follow-up is not done, written before `before` (oldest first). */
  pendingFollowUps(scope: string, before: Date, limit?: number): Promise<IdempotencyRecord[]>;
  putOrder(order: Order, lines: Line[]): Promise<void>;
  getOrder(orderId: string): Promise<Order | null>;
  getLine(orderId: string, lineId: string): Promise<Line | null>;
  listLines(orderId: string): Promise<Line[]>;
  /** A SKU's backordered lines, oldest first: one Query on the waiting-queue index. */
  waitingLines(sku: string, limit?: number, after?: string): Promise<WaitingPage>;
  /** Where a queue read goes on after `line` (an opaque cursor for `waitingLines`). */
  waitingCursor(line: Line): string;

  /**
   * Allocates stock to waiting lines in one transaction: each filled line becomes
   * `allocated` (a partly filled one is split, the remainder a new waiting line keeping the
   * original's place), the SKU's counters move, and the receipt (if any) records the fills.
   * `changed`: a line or the SKU moved since they were read; read again.
   */
  allocateLines(
    sku: string,
    fills: readonly LineFill[],
    at: Date,
    newLineId: () => string,
    receiptId?: string,
  ): Promise<AllocateOutcome>;
  getReceipt(receiptId: string): Promise<ReceiptRecord | null>;
  /**
   * Stores a new receipt and adds its units to each SKU's stock, together.
   * False when a receipt with this id exists already.
   */
  recordReceipt(
    receipt: ReceiptRecord,
    inboundUsed?: readonly { key: { pk: string; sk: string }; qty: number }[],
  ): Promise<boolean>;
  markReceiptDone(receiptId: string): Promise<void>;

  /** Records the task token a waiting line is resumed with. */
  setWaitToken(orderId: string, lineId: string, token: string): Promise<void>;
  /**
   * Records a parked line's task token if what it waits for has not happened yet (see
   * shared/workflow/waits.ts); false when it has, and the line should reload instead.
   */
  parkLine(orderId: string, lineId: string, token: string, wait: WaitKind): Promise<boolean>;
  getWaitToken(orderId: string, lineId: string): Promise<string | null>;
  /** Moves a line from `from` to `to` if it is still in `from`; false if it was not. */
  transitionLine(
    orderId: string,
    lineId: string,
    from: LineStatus,
    to: LineStatus,
    at: Date,
    patch?: Partial<Pick<Line, "charge" | "eta" | "promisedBy">>,
  ): Promise<boolean>;
  /**
   * Sets a waiting line's ETA (and, given one, a new promise whose passing is handled
   * afresh); false when the line is no longer waiting.
   */
  setLineEta(
    orderId: string,
    lineId: string,
    eta: string | null,
    promisedBy?: string | null,
  ): Promise<boolean>;
  /** Records the ETA the customer was emailed about. */
  setNotifiedEta(orderId: string, lineId: string, eta: string | null): Promise<void>;
  /** Records that the line runs on a new execution now, if it still ran on `from`. */
  recordExecutionRestart(line: Line, from: string, to: string, restarts: number): Promise<boolean>;
  markPromiseEscalated(orderId: string, lineId: string, at: Date): Promise<void>;
  /**
   * Applies a delay decision to a waiting line still promised for `from`: the new promise,
   * the delay count and the consent it needs. False if the line moved meanwhile.
   */
  recordDelay(
    line: Line,
    from: string,
    patch: {
      promisedBy: string;
      promiseEscalated: boolean;
      delays: number;
      consentBy: string | null;
      toldPromisedBy: string;
    },
  ): Promise<boolean>;
  /** The customer consents to keep waiting until the date they were asked about. */
  recordConsent(orderId: string, lineId: string): Promise<boolean>;
  touchLastContact(orderId: string, lineIds: string[], at: Date): Promise<void>;

  /** Claims the right to send the email identified by `key` (once per event). */
  claimNotification(
    orderId: string,
    key: string,
    draft: Notification,
    at: Date,
  ): Promise<NotificationClaim>;
  /** Gives back a claim whose send failed, so the email can be sent by a retry. */
  releaseNotification(orderId: string, key: string, claimedAt: Date): Promise<void>;
  markNotificationSent(orderId: string, key: string, messageId: string, at: Date): Promise<void>;
  listNotifications(orderId: string): Promise<Notification[]>;
}
