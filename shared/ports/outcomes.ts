import type { IsoDate } from "../domain/dates.ts";
import type { LineOutcome } from "../domain/outcomes.ts";

/** How lines ended (shipped, or cancelled), by day: what the promise report reads. */
export interface OutcomeStore {
  /** Records a line's outcome; recording it again (a retried step) changes nothing. */
  recordOutcome(outcome: LineOutcome): Promise<void>;
  /** Every outcome of the days from `from` to `to`, both included. */
  outcomesBetween(from: IsoDate, to: IsoDate): Promise<LineOutcome[]>;
}
