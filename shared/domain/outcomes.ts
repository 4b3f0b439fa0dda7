import { daysBetween, type IsoDate } from "./dates.ts";
import { DEFAULT_DELAYS, type DelayConfig, tierFor } from "./delays.ts";
import { CANCEL_REASONS, type CancelReason, type Line } from "./model.ts";
import { csvField } from "./reports.ts";

/** How late a line shipped, by the delay tiers (1–3 days late is the silent tier). */
export const LATE_TIERS = [
  "silent",
  "apology",
  "substitutes_shipping_discount",
  "substitutes_future_discount",
] as const;
export type LateTier = (typeof LATE_TIERS)[number];

/** How one line ended, on the day it did: what the promise report adds up (contract §11). */
export interface LineOutcome {
  lineId: string;
  orderId: string;
  sku: string;
  qty: number;
  /** The day it shipped, or was cancelled. */
  day: IsoDate;
  kind: "on_time" | "late" | "cancelled";
  tier?: LateTier | undefined;
  reason?: CancelReason | undefined;
  /** Whole days from the order to the shipment. */
  daysToShip?: number | undefined;
}

/** A shipped line's outcome: on or before its first promise, or late by a tier. */
export function shippedOutcome(
  line: Pick<
    Line,
    "lineId" | "orderId" | "sku" | "qty" | "promisedBy" | "firstPromisedBy" | "createdAt"
  >,
  shippedAt: string,
  config: DelayConfig = DEFAULT_DELAYS,
): LineOutcome {
  const day = shippedAt.slice(0, 10);
  const late = daysBetween(line.firstPromisedBy ?? line.promisedBy, day);
  return {
    lineId: line.lineId,
    orderId: line.orderId,
    sku: line.sku,
    qty: line.qty,
    day,
    kind: late <= 0 ? "on_time" : "late",
    ...(late > 0 ? { tier: late <= config.silentDays ? "silent" : tierFor(late, config) } : {}),
    daysToShip: Math.max(0, daysBetween(line.createdAt.slice(0, 10), day)),
  };
}

/** A cancelled line's outcome, by its reason (a storefront's cancel when none is known). */
export function cancelledOutcome(
  line: Pick<Line, "lineId" | "orderId" | "sku" | "qty" | "cancelReason">,
  cancelledAt: string,
): LineOutcome {
  return {
    lineId: line.lineId,
    orderId: line.orderId,
    sku: line.sku,
    qty: line.qty,
    day: cancelledAt.slice(0, 10),
    kind: "cancelled",
    reason: line.cancelReason ?? "storefront",
  };
}

/** The promise figures of a set of lines (contract §11). */
export interface PromiseFigures {
  /** Lines shipped on or before their first promise. */
  shippedOnTime: number;
  /** Lines shipped after it, by how late. */
  shippedLate: Record<LateTier, number>;
  cancelled: Record<CancelReason, number>;
  /** Days from order to shipment over the lines shipped; null when none shipped. */
  averageDaysToShip: number | null;
  p90DaysToShip: number | null;
  /** Shipped on time over all shipped, 0–1; null when none shipped. */
  onTimeRate: number | null;
}

/**
 * What a set of outcomes adds up to, by counters that only ever grow: so a store keeps it
 * as it goes (one increment per outcome, by day and SKU), and tallies merge by adding.
 * Counter names: `onTime`, `late_<tier>`, `cancelled_<reason>`, and `ship_<days>` (the
 * shipped lines by whole days from order to shipment, for the average and the p90).
 */
export type Tally = Readonly<Record<string, number>>;

/** The counters one outcome adds to its day's tally. */
export function tallyOf(outcome: LineOutcome): Record<string, number> {
  if (outcome.kind === "cancelled") return { [`cancelled_${outcome.reason ?? "storefront"}`]: 1 };
  const kind = outcome.kind === "on_time" ? "onTime" : `late_${outcome.tier ?? "silent"}`;
  return { [kind]: 1, [`ship_${outcome.daysToShip ?? 0}`]: 1 };
}

/** The sum of tallies. */
export function addTallies(tallies: Iterable<Tally>): Record<string, number> {
  const sum: Record<string, number> = {};
  for (const tally of tallies) {
    for (const [name, n] of Object.entries(tally)) sum[name] = (sum[name] ?? 0) + n;
  }
  return sum;
}

function figuresOf(tally: Tally): PromiseFigures {
  const count = (name: string) => tally[name] ?? 0;
  const shippedLate = Object.fromEntries(LATE_TIERS.map((t) => [t, count(`late_${t}`)])) as Record<
    LateTier,
    number
  >;
  const cancelled = Object.fromEntries(
    CANCEL_REASONS.map((r) => [r, count(`cancelled_${r}`)]),
  ) as Record<CancelReason, number>;
  const shippedOnTime = count("onTime");
  // Shipped lines by days to ship, fewest days first.
  const byDays = Object.entries(tally)
    .filter(([name, n]) => name.startsWith("ship_") && n > 0)
    .map(([name, n]) => [Number(name.slice(5)), n] as const)
    .sort((a, b) => a[0] - b[0]);
  const shipped = byDays.reduce((total, [, n]) => total + n, 0);
  const daysSum = byDays.reduce((total, [days, n]) => total + days * n, 0);
  // Nearest rank: the smallest number of days that 90 % of the shipped lines took or less.
  const rank = Math.ceil(0.9 * shipped);
  let seen = 0;
  const p90 = byDays.find(([, n]) => {
    seen += n;
    return seen >= rank;
  });
  return {
    shippedOnTime,
    shippedLate,
    cancelled,
    averageDaysToShip: shipped > 0 ? Math.round((daysSum / shipped) * 10) / 10 : null,
    p90DaysToShip: shipped > 0 ? (p90?.[0] ?? null) : null,
    onTimeRate: shipped > 0 ? Math.round((shippedOnTime / shipped) * 1000) / 1000 : null,
  };
}

/** A SKU's tally (of a day, or a part of one). */
export interface SkuTally {
  sku: string;
  tally: Tally;
}

/** The promise report from tallies (several of one SKU add up): per SKU, in code order,
 * and in total. */
export function promiseFiguresOf(tallies: readonly SkuTally[]): {
  total: PromiseFigures;
  skus: ({ sku: string } & PromiseFigures)[];
} {
  const bySku = new Map<string, Tally[]>();
  for (const { sku, tally } of tallies) bySku.set(sku, [...(bySku.get(sku) ?? []), tally]);
  return {
    total: figuresOf(addTallies(tallies.map((t) => t.tally))),
    skus: [...bySku.keys()]
      .sort()
      .map((sku) => ({ sku, ...figuresOf(addTallies(bySku.get(sku) ?? [])) })),
  };
}

/** The promise report of a set of outcomes (contract §11). */
export function promiseFigures(outcomes: readonly LineOutcome[]) {
  return promiseFiguresOf(outcomes.map((o) => ({ sku: o.sku, tally: tallyOf(o) })));
}

/** The promise report's CSV columns, in order (a row per SKU, then the total as `*`). */
export const PROMISE_CSV_COLUMNS = [
  "sku",
  "shippedOnTime",
  ...LATE_TIERS.map((t) => `shippedLate_${t}`),
  ...CANCEL_REASONS.map((r) => `cancelled_${r}`),
  "averageDaysToShip",
  "p90DaysToShip",
  "onTimeRate",
];

/** The promise report as CSV (RFC 4180, CRLF line ends). */
export function promiseCsv(report: ReturnType<typeof promiseFigures>): string {
  const row = (sku: string, f: PromiseFigures) =>
    [
      sku,
      f.shippedOnTime,
      ...LATE_TIERS.map((t) => f.shippedLate[t]),
      ...CANCEL_REASONS.map((r) => f.cancelled[r]),
      f.averageDaysToShip ?? "",
      f.p90DaysToShip ?? "",
      f.onTimeRate ?? "",
    ]
      .map(csvField)
      .join(",");
  const lines = [
    PROMISE_CSV_COLUMNS.join(","),
    ...report.skus.map((s) => row(s.sku, s)),
    row("*", report.total),
  ];
  return `${lines.join("\r\n")}\r\n`;
}
