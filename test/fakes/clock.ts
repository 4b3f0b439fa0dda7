import type { Clock } from "../../shared/ports/clock.ts";

const HOUR_MS = 3_600_000;

/** A clock that stands still until a test sets or moves it. */
export class FakeClock implements Clock {
  private at: number;

  constructor(start: Date | string = "2026-11-24T10:00:00Z") {
    this.at = new Date(start).getTime();
  }

  now(): Date {
    return new Date(this.at);
  }

  set(at: Date | string): void {
    this.at = new Date(at).getTime();
  }

  advance({ days = 0, hours = 0, minutes = 0, ms = 0 } = {}): Date {
    this.at += days * 24 * HOUR_MS + hours * HOUR_MS + minutes * 60_000 + ms;
    return this.now();
  }
}
