import type { IsoDate } from "../../shared/domain/dates.ts";
import type { LineOutcome } from "../../shared/domain/outcomes.ts";
import type { OutcomeStore } from "../../shared/ports/outcomes.ts";

/** Line outcomes by line and day (dynamodb/outcomes.ts). */
export class FakeOutcomes implements OutcomeStore {
  readonly byKey = new Map<string, LineOutcome>();

  async recordOutcome(outcome: LineOutcome): Promise<void> {
    this.byKey.set(`${outcome.day}#${outcome.lineId}`, { ...outcome });
  }

  async outcomesBetween(from: IsoDate, to: IsoDate): Promise<LineOutcome[]> {
    return [...this.byKey.values()]
      .filter((o) => o.day >= from && o.day <= to)
      .sort((a, b) => `${a.day}#${a.lineId}`.localeCompare(`${b.day}#${b.lineId}`));
  }
}
