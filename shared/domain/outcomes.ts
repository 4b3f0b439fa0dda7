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

function figuresOf(outcomes: readonly LineOutcome[]): PromiseFigures {
  const shippedLate = Object.fromEntries(LATE_TIERS.map((t) => [t, 0])) as Record<LateTier, number>;
  const cancelled = Object.fromEntries(CANCEL_REASONS.map((r) => [r, 0])) as Record<
    CancelReason,
    number
  >;
  let shippedOnTime = 0;
  const days: number[] = [];
  for (const o of outcomes) {
    if (o.kind === "cancelled") {
      cancelled[o.reason ?? "storefront"] += 1;
      continue;
    }
    if (o.kind === "on_time") shippedOnTime += 1;
    else shippedLate[o.tier ?? "silent"] += 1;
    days.push(o.daysToShip ?? 0);
  }
  days.sort((a, b) => a - b);
  const shipped = days.length;
  return {
    shippedOnTime,
    shippedLate,
    cancelled,
    averageDaysToShip:
      shipped > 0 ? Math.round((days.reduce((n, d) => n + d, 0) / shipped) * 10) / 10 : null,
    // Nearest rank: the smallest number of days that 90 % of the shipped lines took or less.
    p90DaysToShip: shipped > 0 ? (days[Math.ceil(0.9 * shipped) - 1] ?? null) : null,
    onTimeRate: shipped > 0 ? Math.round((shippedOnTime / shipped) * 1000) / 1000 : null,
  };
}

/** The promise report: per SKU (in code order) and in total. */
export function promiseFigures(outcomes: readonly LineOutcome[]): {
  total: PromiseFigures;
  skus: ({ sku: string } & PromiseFigures)[];
} {
  const bySku = new Map<string, LineOutcome[]>();
  for (const o of outcomes) bySku.set(o.sku, [...(bySku.get(o.sku) ?? []), o]);
  return {
    total: figuresOf(outcomes),
    skus: [...bySku.keys()].sort().map((sku) => ({ sku, ...figuresOf(bySku.get(sku) ?? []) })),
  };
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
