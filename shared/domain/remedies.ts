import type { DelayTier } from "./delays.ts";
import type { Remedy } from "./model.ts";

/** What a shop gives for a delay (contract §8); every value is configuration. */
export interface RemedyConfig {
  /** Percent off shipping for 8–14 days late (the `substitutes_shipping_discount` tier). */
  shippingDiscountPercent: number;
  /** Percent off a future purchase for over 14 days late. */
  futureDiscountPercent: number;
  /** Discount codes to hand out (one a line); none: the discount is applied by the shop. */
  codes: readonly string[];
}

export const DEFAULT_REMEDIES: RemedyConfig = {
  shippingDiscountPercent: 50,
  futureDiscountPercent: 10,
  codes: [],
};

/** A small stable hash, so a line always gets the same code from the list. */
function hash(value: string): number {
  let h = 0;
  for (let i = 0; i < value.length; i++) h = (Math.imul(31, h) + value.charCodeAt(i)) >>> 0;
  return h;
}

/**
 * The concrete remedy of a delay tier for one line: none for an apology; discounted
 * shipping or a discount on a future purchase, with a code from the configured list when
 * there is one (the same line always gets the same code).
 */
export function remedyFor(tier: DelayTier, config: RemedyConfig, lineId: string): Remedy | null {
  if (tier === "apology") return null;
  const code =
    config.codes.length > 0 ? (config.codes[hash(lineId) % config.codes.length] ?? null) : null;
  return tier === "substitutes_shipping_discount"
    ? { kind: "shipping_discount", percent: config.shippingDiscountPercent, code }
    : { kind: "future_discount", percent: config.futureDiscountPercent, code };
}

/** Of a remedy already given and a new one, the one worth more to the customer: a later
 * notice never takes back what an earlier one gave. */
export function strongerRemedy(given: Remedy | null, next: Remedy | null): Remedy | null {
  if (!given) return next;
  if (!next) return given;
  const rank = (r: Remedy) => (r.kind === "future_discount" ? 2 : 1) * 1000 + r.percent;
  return rank(next) > rank(given) ? next : given;
}
