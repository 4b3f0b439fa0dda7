import type { Line } from "../domain/model.ts";
import { describeError } from "../log-redaction.ts";
import { logger } from "../logger.ts";
import type { AppPorts } from "../ports/app.ts";
import type { OwedWake } from "../ports/line-waits.ts";
import { takeWithin } from "./rates.ts";

/**
 * The wake outbox. Whoever changes a line that its execution may be parked on marks it in
 * the same write (the adapters' `wakeMark`); then it wakes the line at once (wakeLines).
 * The mark stays until the line parks again, which drops it, so a wake-up that failed
 * (SendTaskSuccess throttled, the caller's Lambda cut off) is not lost: the deliverer
 * (deliverOwedWakes, on a schedule) finds marks older than a grace period and wakes those
 * lines again, with backoff, until a wake-up gets through or the line is not parked on
 * its token any more (it is running, done, or restarted by recovery, and reads afresh).
 */
export type WakeDeps = Pick<AppPorts, "signals" | "waits" | "clock" | "rates">;

/** A mark younger than this is left to the caller's own wake-up and the line's park. */
export const WAKE_GRACE_SECONDS = 30;
/** The longest the deliverer waits between tries of one mark. */
const MAX_BACKOFF_SECONDS = 15 * 60;
/** Marks one run of the deliverer takes at most (the next run takes the rest). */
const MAX_PER_RUN = 5_000;
const PAGE = 100;

export type WakeOutcome = "woken" | "not-parked" | "later";

/** A line to wake, with the task token it was read with, if the caller has one. */
export type WakeTarget = Pick<Line, "orderId" | "lineId"> & { waitToken?: string | undefined };

/**
 * Wakes marked lines now: `woken` (the parked task resumed), `not-parked` (running, done,
 * or never started: it reads afresh on its own), or `later` when the wake-up failed and
 * the deliverer will retry it. Never throws: the change is already safe in the table.
 */
export async function wakeLines(
  deps: Pick<AppPorts, "signals" | "rates">,
  lines: readonly WakeTarget[],
  reason: string,
  /** A bulk job waits for its turn at the wake-up rate until then (epoch ms); a request
   * does not wait: what the rate does not allow now is left to the deliverer. */
  until = Date.now(),
): Promise<Map<string, WakeOutcome>> {
  const outcomes = new Map<string, WakeOutcome>();
  const size = chunkOf(deps.rates);
  for (let i = 0; i < lines.length; i += size) {
    const chunk = lines.slice(i, i + size);
    if (!(await takeWithin(deps.rates, "wakes", chunk.length, until))) {
      for (const line of lines.slice(i)) outcomes.set(line.lineId, "later");
      break;
    }
    await wakeChunk(deps, chunk, reason, outcomes);
  }
  return outcomes;
}

/** Wake-ups taken from the rate at once: ten, or a second's worth when that is less. */
const chunkOf = (rates: Pick<AppPorts, "rates">["rates"]) =>
  Math.max(1, Math.min(10, Math.floor(rates.perSecond("wakes"))));

async function wakeChunk(
  deps: Pick<AppPorts, "signals">,
  lines: readonly WakeTarget[],
  reason: string,
  outcomes: Map<string, WakeOutcome>,
) {
  await Promise.all(
    lines.map(async ({ orderId, lineId, waitToken }) => {
      try {
        outcomes.set(lineId, await deps.signals.wake(orderId, lineId, reason, waitToken));
      } catch (error) {
        logger.warn("could not wake a line now; the wake deliverer retries it", {
          orderId,
          lineId,
          reason,
          error: describeError(error),
        });
        outcomes.set(lineId, "later");
      }
    }),
  );
}

/** Marks lines that a change did not write itself (siblings), then wakes them. */
export async function markAndWake(
  deps: WakeDeps,
  lines: readonly Pick<Line, "orderId" | "lineId">[],
  reason: string,
): Promise<Map<string, WakeOutcome>> {
  const at = deps.clock.now();
  await Promise.all(lines.map((l) => deps.waits.markWake(l.orderId, l.lineId, at)));
  return wakeLines(deps, lines, reason);
}

export interface DeliveryReport {
  /** Marks dropped: the line was woken or is not parked on its token. */
  delivered: number;
  /** Marks whose wake-up failed again, tried later. */
  postponed: number;
}

/** The deliverer: every mark past its grace (or its next try) is tried again. */
export async function deliverOwedWakes(deps: WakeDeps): Promise<DeliveryReport> {
  const now = deps.clock.now();
  const before = new Date(now.getTime() - WAKE_GRACE_SECONDS * 1000);
  const report: DeliveryReport = { delivered: 0, postponed: 0 };
  // The index is eventually consistent: a mark just handled may show up once more.
  const seen = new Set<string>();
  while (seen.size < MAX_PER_RUN) {
    const due = (await deps.waits.wakesDue(before, PAGE)).filter((w) => !seen.has(w.due));
    if (due.length === 0) break;
    const size = chunkOf(deps.rates);
    for (let i = 0; i < due.length; i += size) {
      // Its turn at the wake-up rate, or the rest waits for the next run.
      if (!(await deps.rates.take("wakes", Math.min(size, due.length - i))).granted) {
        return finish(report);
      }
      await Promise.all(
        due.slice(i, i + size).map(async (wake) => {
          seen.add(wake.due);
          if (await deliver(deps, wake)) report.delivered++;
          else {
            await deps.waits.postponeWake(wake, nextTry(now, wake.attempts));
            report.postponed++;
          }
        }),
      );
    }
  }
  return finish(report);
}

function finish(report: DeliveryReport): DeliveryReport {
  if (report.delivered || report.postponed) logger.info("owed wake-ups delivered", { ...report });
  return report;
}

async function deliver(deps: WakeDeps, wake: OwedWake): Promise<boolean> {
  try {
    await deps.signals.wake(wake.orderId, wake.lineId, "owed wake-up");
  } catch (error) {
    logger.warn("owed wake-up failed again", {
      lineId: wake.lineId,
      attempts: wake.attempts + 1,
      error: describeError(error),
    });
    return false;
  }
  await deps.waits.clearWake(wake);
  return true;
}

/** Exponential backoff from the grace period, with jitter, capped. */
export function nextTry(now: Date, attempts: number): Date {
  const ceiling = Math.min(WAKE_GRACE_SECONDS * 2 ** attempts, MAX_BACKOFF_SECONDS);
  const seconds = ceiling / 2 + (Math.random() * ceiling) / 2;
  return new Date(now.getTime() + seconds * 1000);
}
