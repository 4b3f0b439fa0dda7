import type { IsoDate } from "../../shared/domain/dates.ts";
import { type LineOutcome, type SkuTally, tallyOf } from "../../shared/domain/outcomes.ts";
import type { OutcomeStore } from "../../shared/ports/outcomes.ts";

/** Line outcomes by line and day, tallied when read (dynamodb/outcomes.ts keeps tallies). */
export class FakeOutcomes implements OutcomeStore {
  readonly byKey = new Map<string, LineOutcome>();

  async recordOutcome(outcome: LineOutcome): Promise<boolean> {
    const key = `${outcome.day}#${outcome.lineId}`;
    if (this.byKey.has(key)) return false;
    this.byKey.set(key, { ...outcome });
    return true;
  }

  async talliesBetween(from: IsoDate, to: IsoDate): Promise<SkuTally[]> {
    return [...this.byKey.values()]
      .filter((o) => o.day >= from && o.day <= to)
      .map((o) => ({ sku: o.sku, tally: tallyOf(o) }));
  }
}
