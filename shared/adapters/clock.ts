import type { Clock } from "../ports/clock.ts";

export const systemClock: Clock = { now: () => new Date() };

let installed: Clock = systemClock;

/** The clock handlers use. The local stack installs its virtual clock here; on AWS it
 * stays the system clock. */
export function clock(): Clock {
  return installed;
}

export function installClock(next: Clock): void {
  installed = next;
}
