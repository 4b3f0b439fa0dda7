/**
 * Line statuses and the one table of allowed transitions between them. Every status write
 * is built from this table (the store's condition is `status IN (sources of <to>)`, see
 * shared/adapters/dynamodb/table.ts), every "which statuses may …" set is derived from it,
 * and the line state machine (infra/constructs/line-workflow.ts) is checked against it.
 */
export const LINE_STATUSES = [
  "backordered",
  "allocated",
  "awaiting_payment",
  "charged",
  "shipment_requested",
  "shipped",
  "delivered",
  "cancelled",
] as const;

export type LineStatus = (typeof LINE_STATUSES)[number];

export const LINE_TRANSITIONS = {
  backordered: ["allocated", "cancelled"],
  allocated: ["charged", "awaiting_payment", "cancelled"],
  awaiting_payment: ["charged", "cancelled"],
  charged: ["shipment_requested", "cancelled"],
  shipment_requested: ["shipped", "cancelled"],
  shipped: ["delivered"],
  delivered: [],
  cancelled: [],
} as const satisfies Record<LineStatus, readonly LineStatus[]>;

/** The statuses a line may move to `To` from, as a type: a write from any other is not
 * expressible. */
export type SourceOf<To extends LineStatus> = {
  [From in LineStatus]: To extends (typeof LINE_TRANSITIONS)[From][number] ? From : never;
}[LineStatus];

/** Statuses a new line can be created in. */
export const INITIAL_LINE_STATUSES: readonly LineStatus[] = ["allocated", "backordered"];

export const TERMINAL_LINE_STATUSES: readonly LineStatus[] = LINE_STATUSES.filter(
  (s) => LINE_TRANSITIONS[s].length === 0,
);

export function isLineStatus(value: unknown): value is LineStatus {
  return typeof value === "string" && (LINE_STATUSES as readonly string[]).includes(value);
}

export function canTransition(from: LineStatus, to: LineStatus): boolean {
  return (LINE_TRANSITIONS[from] as readonly LineStatus[]).includes(to);
}

/** Every status a line may move to `to` from. */
export function sourcesOf<To extends LineStatus>(to: To): SourceOf<To>[] {
  return LINE_STATUSES.filter((from) => canTransition(from, to)) as SourceOf<To>[];
}

export class InvalidTransitionError extends Error {
  override readonly name = "InvalidTransitionError";
  constructor(
    readonly from: LineStatus,
    readonly to: LineStatus,
  ) {
    super(`a line cannot go from ${from} to ${to}`);
  }
}

export function assertTransition(from: LineStatus, to: LineStatus): void {
  if (!canTransition(from, to)) throw new InvalidTransitionError(from, to);
}

/** A line can be cancelled until it ships (contract §5). */
export function isCancellable(status: LineStatus): status is SourceOf<"cancelled"> {
  return canTransition(status, "cancelled");
}

/**
 * Which SKU counter holds a live line's units: a waiting line is owed units
 * (`backorderedQty`), any other line that can still be cancelled has them reserved
 * (`allocated`) until they leave the warehouse. Null once the units are gone or released.
 */
export function unitsHeldIn(status: LineStatus): "backordered" | "allocated" | null {
  if (!isCancellable(status)) return null;
  return status === "backordered" ? "backordered" : "allocated";
}
