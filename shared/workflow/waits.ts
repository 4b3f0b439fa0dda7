/**
 * What a parked line waits for. A line parks only while the condition of its wait holds,
 * checked in the same write that records its task token; whoever changes the line first
 * writes the change, then reads the token and resumes it. So a wake-up is never missed:
 * either the waker finds the new token, or the parking finds the change (and reloads).
 */
export const WAITS = ["stock", "group", "payment", "shipped", "delivered"] as const;

export type WaitKind = (typeof WAITS)[number];
