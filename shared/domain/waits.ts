import type { LineStatus } from "./line-states.ts";

/**
 * What a parked line waits for. A line parks only while the condition of its wait holds,
 * checked in the same write that records its task token; whoever changes the line first
 * writes the change, then reads the token and resumes it. So a wake-up is never missed:
 * either the waker finds the new token, or the parking finds the change (and reloads).
 */
export const WAITS = ["stock", "group", "payment", "shipped", "delivered"] as const;

export type WaitKind = (typeof WAITS)[number];

/** The status a line parks in for each wait; any other status means it moved on. */
export const WAIT_STATUS = {
  stock: "backordered",
  group: "allocated",
  payment: "awaiting_payment",
  shipped: "shipment_requested",
  delivered: "shipped",
} as const satisfies Record<WaitKind, LineStatus>;
