import type { IsoDate } from "../domain/dates.ts";
import type { LineOutcome, SkuTally } from "../domain/outcomes.ts";

/** How lines ended (shipped, or cancelled), by day: what the promise report reads. */
export interface OutcomeStore {
  /** Records a line's outcome and adds it to its day's tally, both or neither; recording it
   * again (a retried step) changes nothing. True when this call recorded it. */
  recordOutcome(outcome: LineOutcome): Promise<boolean>;
  /** The tallies of the days from `from` to `to`, both included, by SKU (a SKU may have
   * several: they add up). */
  talliesBetween(from: IsoDate, to: IsoDate): Promise<SkuTally[]>;
}
