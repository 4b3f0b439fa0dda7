/** A line whose execution has not finished, as the live-lines index holds it. */
export interface LiveLine {
  orderId: string;
  lineId: string;
  /** Its current execution's name when not the line id (a restarted line). */
  executionName?: string;
  createdAt: string;
}

/** A page of one shard of the live-lines index, and the cursor that continues it. */
export interface LiveLinesPage {
  lines: LiveLine[];
  next: string | null;
}

/** Where an unfinished sweep of the live lines goes on from. */
export interface SweepPosition {
  shard: number;
  cursor: string | null;
}

/**
 * Lines whose execution has not finished: every line is on this index from the moment it
 * is written until its execution says it waits for nothing more. The reconciler's backstop
 * walks it instead of listing executions.
 */
export interface LiveLineStore {
  /** The index is split into this many shards (by a hash of the line id). */
  readonly shards: number;
  /** One page of a shard, in line-id order. */
  liveLines(shard: number, cursor: string | null, limit?: number): Promise<LiveLinesPage>;
  /** The line's execution finished (the line is done): it leaves the index, and is owed no
   * wake-up any more (its wake outbox mark, if any, goes too). */
  finished(orderId: string, lineId: string): Promise<void>;
  /** Where the last sweep stopped short (it ran out of time), or null to start afresh. */
  sweepPosition(): Promise<SweepPosition | null>;
  /** Keeps where a sweep stopped short; null once a sweep went all the way through. */
  saveSweepPosition(position: SweepPosition | null): Promise<void>;
}
