import type {
  LiveLine,
  LiveLineStore,
  LiveLinesPage,
  SweepPosition,
} from "../../shared/ports/live-lines.ts";
import { clone, type FakeDb } from "./db.ts";

/** The live-lines index (dynamodb/live-lines.ts): lines whose execution has not finished,
 * in shards by their id, each shard in line-id order; cursors are the last line id. */
export class FakeLiveLines implements LiveLineStore {
  readonly shards = 4;

  constructor(private readonly db: FakeDb) {}

  shardOf(lineId: string): number {
    let hash = 0;
    for (const char of lineId) hash = (hash * 31 + (char.codePointAt(0) ?? 0)) >>> 0;
    return hash % this.shards;
  }

  async liveLines(shard: number, cursor: string | null, limit = 100): Promise<LiveLinesPage> {
    const all = [...this.db.tables.live]
      .map((key) => this.db.tables.lines.get(key))
      .filter(
        (l): l is NonNullable<typeof l> => l !== undefined && this.shardOf(l.lineId) === shard,
      )
      .map(
        (l): LiveLine => ({
          orderId: l.orderId,
          lineId: l.lineId,
          createdAt: l.createdAt,
          ...(l.executionName ? { executionName: l.executionName } : {}),
        }),
      )
      .sort((a, b) => a.lineId.localeCompare(b.lineId))
      .filter((l) => cursor === null || l.lineId > cursor);
    const lines = all.slice(0, limit);
    const more = all.length > limit;
    return { lines, next: more ? (lines.at(-1)?.lineId ?? null) : null };
  }

  async finished(orderId: string, lineId: string): Promise<void> {
    await this.db.put("liveLines.finished", (t) => {
      t.live.delete(`${orderId}#${lineId}`);
      // A finished line is owed no wake-up any more.
      t.wakes.delete(`${orderId}#${lineId}`);
    });
  }

  async sweepPosition(): Promise<SweepPosition | null> {
    return this.db.tables.sweep ? clone(this.db.tables.sweep) : null;
  }

  async saveSweepPosition(position: SweepPosition | null): Promise<void> {
    await this.db.put("liveLines.saveSweepPosition", (t) => {
      t.sweep = position ? clone(position) : null;
    });
  }

  /** Whether the line is on the index. */
  has(orderId: string, lineId: string): boolean {
    return this.db.tables.live.has(`${orderId}#${lineId}`);
  }
}
