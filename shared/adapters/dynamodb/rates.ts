import type { RateLimiter, RateName, Take, Turn } from "../../ports/rates.ts";
import { keys, Table } from "./table.ts";

/** Rounds of the two updates (a queue stands; the rate is free) before a take gives up. */
const RACES = 12;

/**
 * A queue that ran out less than this long ago is joined, not started afresh: callers
 * racing for a free rate would otherwise win one a round (only one conditional write can
 * start the queue) and lose the rest, and under load a round of writes takes hundreds of
 * milliseconds. A turn is never earlier than now, so after a pause up to a second's worth
 * may go at once: the burst every provider's bucket allows (Stripe, SES and Step Functions
 * each take a second's worth at once; the local stand-ins too).
 */
const SLACK_MS = 1_000;

/**
 * Rates in the table (`RATE#<name>`), as a turn scheduler: each item keeps `tat`, the time
 * (epoch ms, real time) at which the rate is next free. A take or reservation of n gets
 * the turn at max(tat, now) and moves `tat` on by n/rate seconds, so turns are spaced
 * evenly: no second holds more than the rate, and a second's worth more after a pause
 * (SLACK_MS: a token bucket holding one second; a take of n goes at once, counted as n).
 *
 * Each turn is one atomic update, whichever Lambda instance asks, and a crowd asking at
 * once is served in one write each, not by read-and-retry: while a queue stands (`tat` in
 * the future) the update adds to `tat` and returns it; when the rate is free it sets `tat`
 * from now. Only a request that crosses from one case to the other writes twice.
 */
export class DynamoDbRateLimiter implements RateLimiter {
  constructor(
    private readonly rates: Partial<Record<RateName, number>>,
    private readonly table = new Table(),
  ) {}

  perSecond(name: RateName): number {
    const rate = this.rates[name] ?? 0;
    return rate > 0 ? rate : Number.POSITIVE_INFINITY;
  }

  async take(name: RateName, n = 1): Promise<Take> {
    const turn = await this.turn(name, n, 0);
    if ("at" in turn) return { granted: true };
    return { granted: false, retryInMs: turn.retryInMs };
  }

  async reserve(name: RateName, n: number, horizonMs: number): Promise<Turn | null> {
    const turn = await this.turn(name, n, Math.max(0, horizonMs));
    return "at" in turn ? turn : null;
  }

  private async turn(
    name: RateName,
    n: number,
    horizonMs: number,
  ): Promise<Turn | { retryInMs: number }> {
    const perSecond = this.perSecond(name);
    if (perSecond === Number.POSITIVE_INFINITY) return { rate: name, at: Date.now() };
    if (n > perSecond) throw new RangeError(`${n} ${name} at once passes ${perSecond} a second`);
    const cost = (n * 1000) / perSecond;
    const key = keys.rate(name);
    for (let race = 0; race < RACES; race++) {
      const now = Date.now();
      // A queue stands (or stood a moment ago): join its end, if that is within the horizon.
      const queued = await this.table.updateReturning(key, {
        add: ["tat :cost"],
        condition: ["tat BETWEEN :floor AND :last"],
        values: { ":cost": cost, ":floor": now - SLACK_MS, ":last": now + horizonMs },
      });
      if (queued) return { rate: name, at: Math.max(now, Number(queued.tat) - cost) };
      // The rate has been free a while: the turn is now.
      const free = await this.table.updateIf(key, {
        set: ["#type = :type", "tat = :tat"],
        condition: ["(attribute_not_exists(tat) OR tat < :floor)"],
        names: { "#type": "type" },
        values: { ":type": "rate", ":tat": now + cost, ":floor": now - SLACK_MS },
      });
      if (free) return { rate: name, at: now };
      // Neither: the queue is longer than the horizon, or another caller just started one.
      const item = await this.table.get(key);
      const tat = typeof item?.tat === "number" ? item.tat : 0;
      if (tat > Date.now() + horizonMs) return { retryInMs: Math.ceil(tat - Date.now()) };
    }
    return { retryInMs: Math.ceil(1000 / perSecond) };
  }
}
