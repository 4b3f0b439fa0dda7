import { z } from "zod";
import type { IsoDate } from "../../domain/dates.ts";
import { CANCEL_REASONS } from "../../domain/model.ts";
import { LATE_TIERS, type LineOutcome } from "../../domain/outcomes.ts";
import type { OutcomeStore } from "../../ports/outcomes.ts";
import { type Item, parseItem, Table } from "./table.ts";

const outcomeSchema = z.object({
  lineId: z.string(),
  orderId: z.string(),
  sku: z.string(),
  qty: z.number().int(),
  day: z.string(),
  kind: z.enum(["on_time", "late", "cancelled"]),
  tier: z.enum(LATE_TIERS).optional(),
  reason: z.enum(CANCEL_REASONS).optional(),
  daysToShip: z.number().int().optional(),
});

/** Outcomes by month: `OUTCOMES#<yyyy-mm>` / `<day>#<lineId>`; a year is 13 queries. */
const keyOf = (o: Pick<LineOutcome, "day" | "lineId">) => ({
  pk: `OUTCOMES#${o.day.slice(0, 7)}`,
  sk: `${o.day}#${o.lineId}`,
});

/** The months from `from` to `to`, as `yyyy-mm`. */
function monthsBetween(from: IsoDate, to: IsoDate): string[] {
  const months: string[] = [];
  let [year, month] = from.slice(0, 7).split("-").map(Number) as [number, number];
  const last = to.slice(0, 7);
  for (;;) {
    const ym = `${year}-${String(month).padStart(2, "0")}`;
    if (ym > last) break;
    months.push(ym);
    month += 1;
    if (month > 12) {
      month = 1;
      year += 1;
    }
  }
  return months;
}

export class DynamoDbOutcomes implements OutcomeStore {
  constructor(private readonly table = new Table()) {}

  async recordOutcome(outcome: LineOutcome): Promise<void> {
    // Keyed by the line and its day: a repeat writes the same item again.
    await this.table.putIf(
      { ...keyOf(outcome), type: "outcome", ...outcome },
      "attribute_exists(pk) OR attribute_not_exists(pk)",
    );
  }

  async outcomesBetween(from: IsoDate, to: IsoDate): Promise<LineOutcome[]> {
    const out: LineOutcome[] = [];
    for (const month of monthsBetween(from, to)) {
      let cursor: string | null = null;
      do {
        const page: { items: Item[]; next: string | null } = await this.table.queryPage(
          {
            KeyConditionExpression: "pk = :pk AND sk BETWEEN :from AND :to",
            ExpressionAttributeValues: {
              ":pk": `OUTCOMES#${month}`,
              ":from": `${from}#`,
              ":to": `${to}#\uffff`,
            },
          },
          cursor,
        );
        for (const item of page.items) out.push(parseItem(outcomeSchema, item) as LineOutcome);
        cursor = page.next;
      } while (cursor);
    }
    return out;
  }
}
