import * as z from "zod";
import { deliverySchema } from "./email-feedback.ts";
import { LINE_STATUSES } from "./line-states.ts";
import type { Line } from "./model.ts";
import { NOTIFICATION_KINDS, type Notification } from "./notifications.ts";

/**
 * What happened to one line's run through the line machine, as its execution history tells
 * it (read by an adapter, in the machine's terms): a run started, the line parked waiting
 * for something, woke (and why), waited for its turn at a rate, a step failed and was
 * retried, the run ended.
 */
export const runEventSchema = z.discriminatedUnion("kind", [
  z.object({ at: z.string(), kind: z.literal("run_started"), execution: z.string() }),
  z.object({
    at: z.string(),
    kind: z.literal("parked"),
    /** What the line waits for (a wait of shared/domain/waits.ts). */
    wait: z.string(),
    /** Longest it waits before it looks again on its own. */
    seconds: z.number().nullable(),
  }),
  z.object({
    at: z.string(),
    kind: z.literal("woken"),
    /** Who woke it and why; `timer` when its time was up, `line-changed` when told so. */
    reason: z.string(),
  }),
  z.object({ at: z.string(), kind: z.literal("rate_wait"), seconds: z.number() }),
  z.object({
    at: z.string(),
    kind: z.literal("step_failed"),
    error: z.string(),
    /** Tries in a row that failed alike (the first one's time). */
    times: z.number().int(),
  }),
  z.object({
    at: z.string(),
    kind: z.literal("run_ended"),
    execution: z.string(),
    status: z.enum(["SUCCEEDED", "FAILED", "TIMED_OUT", "ABORTED"]),
  }),
]);
export type RunEvent = z.infer<typeof runEventSchema>;

/** One event of a line's timeline: its own record's, its emails', and its runs'. */
export const timelineEventSchema = z.discriminatedUnion("kind", [
  z.object({ at: z.string(), kind: z.literal("status"), status: z.enum(LINE_STATUSES) }),
  z.object({
    at: z.string(),
    kind: z.literal("email"),
    email: z.enum(NOTIFICATION_KINDS),
    to: z.string(),
    subject: z.string(),
    /** `failed`: the mail provider refused it, after `attempts` tries. */
    state: z.enum(["sent", "failed"]),
    attempts: z.number().int().nullable(),
    /** Why the provider refused it (failed ones). */
    failure: z.string().nullable(),
    /** What became of it after the provider took it: bounced, complained of, rejected. */
    delivery: deliverySchema.nullable(),
  }),
  z.object({
    at: z.string(),
    kind: z.literal("charge"),
    amount: z.number().int(),
    currency: z.string(),
    chargeId: z.string(),
    attempt: z.number().int(),
  }),
  z.object({
    at: z.string(),
    kind: z.literal("charge_declined"),
    /** The line's first decline is 1, its next 2, and so on. */
    decline: z.number().int(),
  }),
  z.object({
    at: z.string(),
    kind: z.literal("refund"),
    amount: z.number().int(),
    currency: z.string(),
    refundId: z.string(),
  }),
  ...runEventSchema.options,
]);
export type TimelineEvent = z.infer<typeof timelineEventSchema>;

/** The runs of a line, oldest first, each with its events (read whole or only in part). */
export interface LineRuns {
  runs: { execution: string; events: RunEvent[]; truncated: boolean }[];
}

/** Names of a line's executions, oldest first: the line id, then `<lineId>-r<n>` per restart. */
export function executionNamesOf(line: Pick<Line, "lineId" | "executionRestarts">): string[] {
  const restarts = line.executionRestarts ?? 0;
  return [line.lineId, ...Array.from({ length: restarts }, (_, i) => `${line.lineId}-r${i + 1}`)];
}

/**
 * One line's timeline, oldest first: each status it took (a charge and a decline beside
 * the status they made), its refund, every email about it (sent or failed), and what its
 * runs through the machine did. Events at the same moment keep that order.
 */
export function lineTimeline(
  line: Line,
  notifications: readonly Notification[],
  runs: LineRuns["runs"],
): TimelineEvent[] {
  const events: TimelineEvent[] = [];
  for (const entry of line.history) {
    events.push({ at: entry.at, kind: "status", status: entry.status });
    if (entry.status === "charged" && line.charge) {
      const { amount, currency, chargeId, attempt } = line.charge;
      events.push({ at: entry.at, kind: "charge", amount, currency, chargeId, attempt });
    }
  }
  // Each decline (the status moved only at the first; a line from before `declinedAt` has
  // its first decline in its history).
  const declines =
    line.declinedAt ?? line.history.filter((h) => h.status === "awaiting_payment").map((h) => h.at);
  for (const [i, at] of declines.entries()) {
    events.push({ at, kind: "charge_declined", decline: i + 1 });
  }
  if (line.refund) {
    // A refund follows the cancel that made it (the line keeps no time of its own for it).
    const cancelled = line.history.findLast((h) => h.status === "cancelled");
    const { amount, currency, refundId } = line.refund;
    events.push({
      at: cancelled?.at ?? line.history.at(-1)?.at ?? line.createdAt,
      kind: "refund",
      amount,
      currency,
      refundId,
    });
  }
  for (const n of notifications) {
    if (!n.lineIds.includes(line.lineId)) continue;
    events.push({
      at: n.sentAt,
      kind: "email",
      email: n.kind,
      to: n.to,
      subject: n.subject,
      state: n.state ?? "sent",
      attempts: n.attempts ?? null,
      failure: n.failure ?? null,
      delivery: n.delivery ?? null,
    });
  }
  for (const run of runs) events.push(...run.events);
  // A stable sort: what happened at the same moment keeps the order it was added in.
  return events
    .map((event, i) => ({ event, i }))
    .sort((a, b) => a.event.at.localeCompare(b.event.at) || a.i - b.i)
    .map(({ event }) => event);
}
