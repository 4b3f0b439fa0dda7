import type { IsoDate } from "../../domain/dates.ts";
import { type LineOutcome, type SkuTally, tallyOf } from "../../domain/outcomes.ts";
import type { OutcomeStore } from "../../ports/outcomes.ts";
import { cancellationCodes, type Item, shardOf, Table } from "./table.ts";

/** Outcomes by month: `OUTCOMES#<yyyy-mm>` / `<day>#<lineId>` (the record of each line). */
const keyOf = (o: Pick<LineOutcome, "day" | "lineId">) => ({
  pk: `OUTCOMES#${o.day.slice(0, 7)}`,
  sk: `${o.day}#${o.lineId}`,
});

/** A day's tally of a SKU, in a few parts (by a hash of the line id) so the lines of a big
 * receipt, shipping the same day, seldom update the same item at once: `TALLY#<yyyy-mm>` /
 * `<day>#<sku>#<part>`. A year's report is 13 queries of at most days × SKUs × parts items. */
const TALLY_PARTS = 8;
const tallyKey = (o: Pick<LineOutcome, "day" | "lineId" | "sku">) => ({
  pk: `TALLY#${o.day.slice(0, 7)}`,
  sk: `${o.day}#${o.sku}#${shardOf(o.lineId, TALLY_PARTS)}`,
});

/** Tries of one outcome's transaction while it conflicts with another on the same tally. */
const CONFLICT_TRIES = 8;

const COUNTER = /^(onTime|late_\w+|cancelled_\w+|ship_\d+)$/;

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

  /**
   * One transaction: the line's outcome record, put only if absent (or not yet tallied), and
   * its counters added to the day's tally. A repeat fails the put's condition and adds
   * nothing; a conflict with another line's transaction on the same tally part is tried
   * again, with a growing random pause (past the tries the step fails and is retried).
   */
  async recordOutcome(outcome: LineOutcome): Promise<boolean> {
    const counters = Object.entries(tallyOf(outcome));
    const names = Object.fromEntries(counters.map(([name], i) => [`#c${i}`, name]));
    const values = Object.fromEntries(counters.map(([, n], i) => [`:c${i}`, n]));
    const items = [
      {
        Put: {
          TableName: this.table.name,
          Item: { ...keyOf(outcome), type: "outcome", ...outcome, tallied: true },
          // An outcome recorded before tallies were kept is tallied when it is recorded again.
          ConditionExpression: "attribute_not_exists(pk) OR attribute_not_exists(tallied)",
        },
      },
      {
        Update: this.table.update(tallyKey(outcome), {
          set: ["#type = :type", "#sku = :sku", "#day = :day"],
          add: counters.map((_, i) => `#c${i} :c${i}`),
          names: { ...names, "#type": "type", "#sku": "sku", "#day": "day" },
          values: { ...values, ":type": "tally", ":sku": outcome.sku, ":day": outcome.day },
        }),
      },
    ];
    for (let attempt = 1; ; attempt++) {
      try {
        await this.table.transact(items);
        return true;
      } catch (error) {
        const codes = cancellationCodes(error);
        if (codes?.[0] === "ConditionalCheckFailed") return false; // recorded and tallied before
        if (!codes?.includes("TransactionConflict") || attempt >= CONFLICT_TRIES) throw error;
        await new Promise((r) => setTimeout(r, 20 * 2 ** attempt * Math.random()));
      }
    }
  }

  async talliesBetween(from: IsoDate, to: IsoDate): Promise<SkuTally[]> {
    const out: SkuTally[] = [];
    for (const month of monthsBetween(from, to)) {
      let cursor: string | null = null;
      do {
        const page: { items: Item[]; next: string | null } = await this.table.queryPage(
          {
            KeyConditionExpression: "pk = :pk AND sk BETWEEN :from AND :to",
            ExpressionAttributeValues: {
              ":pk": `TALLY#${month}`,
              ":from": `${from}#`,
              ":to": `${to}#\uffff`,
            },
            ConsistentRead: true,
          },
          cursor,
        );
        for (const item of page.items) {
          const tally = Object.fromEntries(
            Object.entries(item)
              .filter(([name]) => COUNTER.test(name))
              .map(([name, n]) => [name, Number(n)]),
          );
          out.push({ sku: String(item.sku), tally });
        }
        cursor = page.next;
      } while (cursor);
    }
    return out;
  }
}
