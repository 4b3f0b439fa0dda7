import type { RateLimiter, RateName, Take } from "../../ports/rates.ts";
import { keys, Table } from "./table.ts";

/** Conditional writes lost to another taker before the caller is told to come back. */
const RACES = 8;

/**
 * Token buckets in the table (`RATE#<name>`): `tokens` as of `at` (epoch ms, real time).
 * A take reads the bucket, tops it up for the time since (at `perSecond`, at most a
 * second's worth), and writes what is left only if nobody wrote since: one read and one
 * conditional write a take, whichever Lambda instance takes.
 */
export class DynamoDbRateLimiter implements RateLimiter {
  constructor(
    private readonly rates: Record<RateName, number>,
    private readonly table = new Table(),
  ) {}

  perSecond(name: RateName): number {
    const rate = this.rates[name];
    return rate > 0 ? rate : Number.POSITIVE_INFINITY;
  }

  async take(name: RateName, n = 1): Promise<Take> {
    const perSecond = this.perSecond(name);
    if (perSecond === Number.POSITIVE_INFINITY) return { granted: true };
    if (n > perSecond) throw new RangeError(`${n} ${name} at once passes ${perSecond} a second`);
    const capacity = perSecond;
    for (let race = 0; race < RACES; race++) {
      const item = await this.table.get(keys.rate(name));
      const now = Date.now();
      const at = typeof item?.at === "number" ? item.at : 0;
      const stored = typeof item?.tokens === "number" ? item.tokens : capacity;
      const tokens = Math.min(capacity, stored + (Math.max(0, now - at) * perSecond) / 1000);
      if (tokens < n)
        return { granted: false, retryInMs: Math.ceil(((n - tokens) / perSecond) * 1000) };
      const written = item
        ? await this.table.updateIf(keys.rate(name), {
            set: ["tokens = :tokens", "#at = :now"],
            condition: ["#at = :at"],
            names: { "#at": "at" },
            values: { ":tokens": tokens - n, ":now": now, ":at": at },
          })
        : await this.table.putIf({ ...keys.rate(name), type: "rate", tokens: tokens - n, at: now });
      if (written) return { granted: true };
    }
    return { granted: false, retryInMs: Math.ceil(1000 / perSecond) };
  }
}
