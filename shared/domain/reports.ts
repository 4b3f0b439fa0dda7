import { daysBetween, type IsoDate } from "./dates.ts";
import type { Inbound } from "./inbound.ts";
import type { Line, Sku } from "./model.ts";

/** Days a waiting line has waited, by bucket (contract §11). */
export const AGING_BUCKETS = ["0-7", "8-14", "15-30", "31+"] as const;
export type AgingBucket = (typeof AGING_BUCKETS)[number];

/** One SKU's row of the backorder report (contract §11). */
export interface BackorderRow {
  sku: string;
  name: string;
  /** Lines waiting for stock, and their units. */
  waitingLines: number;
  waitingQty: number;
  /** Whole days the oldest waiting line has waited (from the day it was ordered). */
  oldestWaitingDays: number;
  /** Waiting lines by how many days they have waited. */
  aging: Record<AgingBucket, number>;
  /** Units on their way in suppliers' notices, and when the soonest comes. */
  inboundQty: number;
  nextEta: IsoDate | null;
  /** Waiting units no notice covers. */
  shortfall: number;
  /** The SKU's backorder limit (null: none), and how much of it is used. */
  backorderLimit: number | null;
  limitUsed: number;
}

export function agingBucketOf(days: number): AgingBucket {
  if (days <= 7) return "0-7";
  if (days <= 14) return "8-14";
  if (days <= 30) return "15-30";
  return "31+";
}

/** The report row of a SKU from its waiting lines and its inbound notices, on `today`. */
export function backorderRow(
  sku: Pick<Sku, "sku" | "name" | "backorder" | "backorderedQty">,
  waiting: readonly Pick<Line, "qty" | "createdAt">[],
  inbound: readonly Pick<Inbound, "qty" | "estimatedDeliveryAt">[],
  today: IsoDate,
): BackorderRow {
  const aging: Record<AgingBucket, number> = { "0-7": 0, "8-14": 0, "15-30": 0, "31+": 0 };
  let oldest = 0;
  let waitingQty = 0;
  for (const line of waiting) {
    const days = Math.max(0, daysBetween(line.createdAt.slice(0, 10), today));
    aging[agingBucketOf(days)] += 1;
    oldest = Math.max(oldest, days);
    waitingQty += line.qty;
  }
  const inboundQty = inbound.reduce((n, i) => n + i.qty, 0);
  const dates = inbound.map((i) => i.estimatedDeliveryAt.slice(0, 10)).sort();
  return {
    sku: sku.sku,
    name: sku.name,
    waitingLines: waiting.length,
    waitingQty,
    oldestWaitingDays: oldest,
    aging,
    inboundQty,
    nextEta: dates[0] ?? null,
    shortfall: Math.max(0, waitingQty - inboundQty),
    backorderLimit: sku.backorder.limit ?? null,
    limitUsed: sku.backorderedQty,
  };
}

/** The columns of the report as CSV, in order. */
export const BACKORDER_CSV_COLUMNS = [
  "sku",
  "name",
  "waitingLines",
  "waitingQty",
  "oldestWaitingDays",
  "aging0to7",
  "aging8to14",
  "aging15to30",
  "aging31plus",
  "inboundQty",
  "nextEta",
  "shortfall",
  "backorderLimit",
  "limitUsed",
] as const;

/** A CSV field (RFC 4180): quoted when it holds a comma, a quote or a line break; a value
 * a spreadsheet would run as a formula is prefixed with a quote. */
export function csvField(value: string | number | null): string {
  let text = value === null ? "" : String(value);
  if (/^[=+\-@\t\r]/.test(text) && typeof value === "string") text = `'${text}`;
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

/** Rows as CSV with a header line (RFC 4180, CRLF line ends). */
export function backorderCsv(rows: readonly BackorderRow[]): string {
  const lines = [BACKORDER_CSV_COLUMNS.join(",")];
  for (const r of rows) {
    lines.push(
      [
        r.sku,
        r.name,
        r.waitingLines,
        r.waitingQty,
        r.oldestWaitingDays,
        r.aging["0-7"],
        r.aging["8-14"],
        r.aging["15-30"],
        r.aging["31+"],
        r.inboundQty,
        r.nextEta,
        r.shortfall,
        r.backorderLimit,
        r.limitUsed,
      ]
        .map(csvField)
        .join(","),
    );
  }
  return `${lines.join("\r\n")}\r\n`;
}
