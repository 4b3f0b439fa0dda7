import * as z from "zod";
import type {
  LiveLine,
  LiveLineStore,
  LiveLinesPage,
  SweepPosition,
} from "../../ports/live-lines.ts";
import { keys, LIVE_SHARDS, parseItem, Table, WAKE_FIELDS } from "./table.ts";

/** What the live-lines index (gsi3) projects of a line. */
const liveLineSchema = z.object({
  orderId: z.string(),
  lineId: z.string(),
  executionName: z.string().optional(),
  createdAt: z.string(),
});

const sweepPositionSchema = z.object({ shard: z.number().int(), cursor: z.string().nullable() });

const SWEEP = keys.sweep("live-lines");

/**
 * The sparse, sharded live-lines index: `lineItem` puts every new line on it
 * (`gsi3pk = LIVE#<shard>`, `gsi3sk = <lineId>`), and the line leaves it when its execution
 * finishes. The index projects only what the backstop reads, so a line's many other
 * writes do not write the index too.
 */
export class DynamoDbLiveLines implements LiveLineStore {
  readonly shards = LIVE_SHARDS;

  constructor(private readonly table = new Table()) {}

  async liveLines(shard: number, cursor: string | null, limit = 100): Promise<LiveLinesPage> {
    const page = await this.table.queryPage(
      {
        IndexName: "gsi3",
        KeyConditionExpression: "gsi3pk = :pk",
        ExpressionAttributeValues: { ":pk": `LIVE#${shard}` },
        Limit: limit,
      },
      cursor,
    );
    return {
      lines: page.items.map((item): LiveLine => parseItem(liveLineSchema, item)),
      next: page.next,
    };
  }

  async finished(orderId: string, lineId: string): Promise<void> {
    await this.table.updateIf(keys.line(orderId, lineId), {
      // Nor is a finished line owed a wake-up any more (the wake outbox).
      remove: ["gsi3pk", "gsi3sk", ...WAKE_FIELDS],
      condition: ["attribute_exists(pk)"],
    });
  }

  async sweepPosition(): Promise<SweepPosition | null> {
    const item = await this.table.get(SWEEP);
    return item ? parseItem(sweepPositionSchema, item.position) : null;
  }

  async saveSweepPosition(position: SweepPosition | null): Promise<void> {
    if (position === null) {
      await this.table.deleteIf(SWEEP, {});
      return;
    }
    await this.table.updateIf(SWEEP, {
      set: ["#position = :position"],
      names: { "#position": "position" },
      values: { ":position": position },
    });
  }
}
