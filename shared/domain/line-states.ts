/**
 * Line statuses and the one table of allowed transitions between them. The line state
 * machine (infra/constructs/line-workflow.ts) is checked against this table by tests.
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
  allocated: ["charged", "awaiting_payment", "backordered", "cancelled"],
  awaiting_payment: ["charged", "cancelled"],
  charged: ["shipment_requested", "cancelled"],
  shipment_requested: ["shipped", "cancelled"],
  shipped: ["delivered"],
  delivered: [],
  cancelled: [],
} as const satisfies Record<LineStatus, readonly LineStatus[]>;

/** Statuses a new line can be created in. */
export const INITIAL_LINE_STATUSES: readonly LineStatus[] = ["allocated", "backordered"];

export const TERMINAL_LINE_STATUSES: readonly LineStatus[] = ["delivered", "cancelled"];

export function isLineStatus(value: unknown): value is LineStatus {
  return typeof value === "string" && (LINE_STATUSES as readonly string[]).includes(value);
}

export function canTransition(from: LineStatus, to: LineStatus): boolean {
  return (LINE_TRANSITIONS[from] as readonly LineStatus[]).includes(to);
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
