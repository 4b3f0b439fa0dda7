import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";
import type { Clock } from "../../shared/ports/clock.ts";

type TimerCallback = () => unknown;

interface Timer {
  id: number;
  at: number;
  fire: TimerCallback;
}

/** Longest real setTimeout we arm at once (Node overflows past 2^31-1 ms). */
const MAX_REAL_DELAY_MS = 60 * 60 * 1000;

/** The furthest one advance moves the clock: ten years (a line's longest wait is months). */
export const MAX_ADVANCE_SECONDS = 10 * 366 * 24 * 60 * 60;
/** The clock never passes this: every date it gives must stay one an ISO string can hold
 * and DynamoDB's TTL takes (year 2200 leaves a line's furthest dates far inside both). */
export const CLOCK_LIMIT_MS = Date.UTC(2200, 0, 1);

/**
 * The local stack's clock: real time plus an offset that only grows. Timers scheduled on
 * it fire when real time reaches them or when `advance` moves past them; `advance`
 * resolves once every timer that fell due has fired and its callback has settled.
 * The offset is persisted (when a file is given) so a restart never moves time back.
 */
export class VirtualClock implements Clock {
  private offsetMs = 0;
  private timers: Timer[] = [];
  private nextId = 1;
  private realTimer: NodeJS.Timeout | undefined;
  private firing: Promise<void> = Promise.resolve();
  private inFlight = 0;

  constructor(private readonly stateFile?: string) {
    if (stateFile && existsSync(stateFile)) {
      const saved = JSON.parse(readFileSync(stateFile, "utf8")) as { offsetMs?: unknown };
      // An offset past the clock's limit (written before it was bounded) is not taken up.
      const offsetMs = saved.offsetMs;
      this.offsetMs =
        typeof offsetMs === "number" &&
        Number.isFinite(offsetMs) &&
        offsetMs >= 0 &&
        Date.now() + offsetMs < CLOCK_LIMIT_MS
          ? offsetMs
          : 0;
    }
  }

  nowMs(): number {
    return Date.now() + this.offsetMs;
  }

  now(): Date {
    return new Date(this.nowMs());
  }

  /** How far the clock may still be moved, in seconds (at most one advance's worth). */
  advanceRoom(): number {
    return Math.max(0, Math.min(MAX_ADVANCE_SECONDS, (CLOCK_LIMIT_MS - this.nowMs()) / 1000));
  }

  /** Moves time forward by `seconds` and waits for every timer that fell due. */
  async advance(seconds: number): Promise<void> {
    if (!Number.isFinite(seconds) || seconds < 0) {
      throw new RangeError("seconds must be a non-negative number");
    }
    if (seconds > this.advanceRoom()) {
      throw new RangeError(`seconds must be at most ${Math.floor(this.advanceRoom())}`);
    }
    this.offsetMs += Math.round(seconds * 1000);
    this.persist();
    await this.fireDue();
  }

  /** Runs `fire` when the clock reaches `atMs`. Returns a function that cancels it. */
  schedule(atMs: number, fire: TimerCallback): () => void {
    const timer: Timer = { id: this.nextId++, at: atMs, fire };
    this.timers.push(timer);
    this.timers.sort((a, b) => a.at - b.at || a.id - b.id);
    this.arm();
    return () => {
      this.timers = this.timers.filter((t) => t.id !== timer.id);
      this.arm();
    };
  }

  pendingTimers(): number {
    return this.timers.length;
  }

  /** Timers whose time has come but that have not fired (or finished firing) yet. */
  dueTimers(): number {
    const now = this.nowMs();
    return this.timers.filter((t) => t.at <= now).length + this.inFlight;
  }

  /** Stops real-time firing (timers stay registered but will not fire). */
  stop(): void {
    if (this.realTimer) clearTimeout(this.realTimer);
    this.realTimer = undefined;
  }

  private persist(): void {
    if (!this.stateFile) return;
    mkdirSync(dirname(this.stateFile), { recursive: true });
    writeFileSync(this.stateFile, JSON.stringify({ offsetMs: this.offsetMs }));
  }

  private arm(): void {
    if (this.realTimer) clearTimeout(this.realTimer);
    this.realTimer = undefined;
    const first = this.timers[0];
    if (!first) return;
    const delay = Math.min(Math.max(first.at - this.nowMs(), 0), MAX_REAL_DELAY_MS);
    this.realTimer = setTimeout(() => {
      void this.fireDue();
    }, delay);
    this.realTimer.unref();
  }

  /** Fires due timers one after another (serialised across concurrent callers). A timer
   * callback that schedules a new, already-due timer is fired in the same pass. */
  private fireDue(): Promise<void> {
    this.firing = this.firing.then(async () => {
      for (;;) {
        const first = this.timers[0];
        if (!first || first.at > this.nowMs()) break;
        this.timers.shift();
        this.inFlight++;
        try {
          await first.fire();
        } catch {
          // A timer's failure belongs to its owner; the clock keeps going.
        } finally {
          this.inFlight--;
        }
      }
      this.arm();
    });
    return this.firing;
  }
}
