/**
 * What the waiting-queue index (gsi4) projects beside the keys: the line's order and id (to
 * read it whole when it is filled), its units (what the queue is planned on) and when it
 * was ordered (the reports' ages). Not its task token, history or dates, which change while
 * it waits: a write of those would write the index too.
 */
export const WAITING_QUEUE_FIELDS = ["orderId", "lineId", "qty", "createdAt"] as const;
