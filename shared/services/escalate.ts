import { linkTargetOf } from "../domain/allocation.ts";
import { endOfDay, toIsoDate } from "../domain/dates.ts";
import { decideDelay, lateNoticeOn, nextLateNotice } from "../domain/delays.ts";
import { refusals } from "../domain/errors.ts";
import type { Line, Order, OwedNotice } from "../domain/model.ts";
import { remedyFor, strongerRemedy } from "../domain/remedies.ts";
import type { AppPorts } from "../ports/app.ts";
import { type CancelDeps, cancelLine } from "./cancel.ts";
import { nextEscalationOf, type OrderLines } from "./lines.ts";
import { notifyCustomer, notifyOnce } from "./notify.ts";
import { offeredSubstitutes } from "./substitute.ts";
import { wakeLines } from "./wakes.ts";

export type EscalateDeps = CancelDeps & Pick<AppPorts, "waits" | "notifications" | "settings">;

/**
 * A waiting line's timer fell due (contract §8): a consent the FTC rule asked for and did
 * not get cancels the line; a passed promise gets the delay decision of its tier (a silent
 * adjustment or a delay notice, asking consent when needed); a line silent for the
 * configured days gets a check-in. Emails go first, keyed by the delay, so a retry after a
 * crash sends nothing twice and still records the delay.
 */
export async function escalateLine(deps: EscalateDeps, orderId: string, lineId: string) {
  const [order, line] = await Promise.all([
    deps.orders.getOrder(orderId),
    deps.orders.getLine(orderId, lineId),
  ]);
  if (!order || line?.status !== "backordered") return { escalated: null };
  // A notice recorded with its delay whose send did not finish goes out first.
  if (line.owedNotice) {
    await sendOwedNotice(deps, order, line, line.owedNotice);
    return { escalated: "delay_notice", tier: line.owedNotice.tier };
  }
  const now = deps.clock.now();
  const due = nextEscalationOf(line, deps.settings.checkInAfterSilentDays);
  if (due.at > now) return { escalated: null };

  if (due.kind === "consent_due") {
    await cancelLine(deps, orderId, lineId, "no_consent");
    return { escalated: "cancelled_without_consent" };
  }
  if (due.kind === "check_in") {
    const sent = await notifyOnce(deps.notify, "check_in", order, [line], line.lastContactAt);
    // Sent by a run that crashed before it noted it: note it now, or the timer fires again.
    if (sent === "already-sent") await deps.notifications.touchLastContact(orderId, [lineId], now);
    return { escalated: "check_in" };
  }
  const decided = await recordDelayDecision(deps, line, toIsoDate(now));
  if (decided === null) return { escalated: null };
  // The promise passed while the line waited (each passing is decided, and counted, once).
  deps.metrics.count("LinesPastPromise");
  if (decided.kind === "silent") return { escalated: "silent" };
  await sendOwedNotice(deps, order, decided.line, decided.notice);
  return {
    escalated: "delay_notice",
    tier: decided.notice.tier,
    consentBy: decided.notice.consentBy,
  };
}

/**
 * The delay decision for a waiting line that has missed, or will miss, its promise (its
 * ETA is later, or unknown once the date has passed), recorded: a small first slip moves
 * the promise silently; otherwise the notice of its tier is recorded with the delay, owed
 * until sent, with the tier's remedy and the substitutes that can be sold now. Null when
 * the line moved meanwhile (nothing recorded).
 */
async function recordDelayDecision(
  deps: EscalateDeps,
  line: Line,
  today: string,
): Promise<{ kind: "silent" } | { kind: "notice"; notice: OwedNotice; line: Line } | null> {
  const decision = decideDelay(
    {
      promisedBy: line.promisedBy,
      firstPromisedBy: line.firstPromisedBy ?? line.promisedBy,
      ...(line.toldPromisedBy ? { toldPromisedBy: line.toldPromisedBy } : {}),
      eta: line.eta,
      delays: line.delays ?? 0,
    },
    today,
    deps.settings.delays,
  );
  if (decision.kind === "silent") {
    const recorded = await deps.waits.recordDelay(line, line.promisedBy, {
      promisedBy: decision.promisedBy,
      promiseEscalated: false,
      delays: line.delays ?? 0,
      consentBy: line.consentBy ?? null,
      toldPromisedBy: line.toldPromisedBy ?? line.firstPromisedBy ?? line.promisedBy,
      owedNotice: null,
    });
    return recorded ? { kind: "silent" } : null;
  }
  const notice: OwedNotice = {
    occasion: `delay-${decision.delays}`,
    tier: decision.tier,
    revised: decision.revised,
    // Only substitutes that can be sold now, and only in the tiers that offer them.
    substitutes:
      decision.tier === "apology"
        ? []
        : ((await offeredSubstitutes(deps, [line])).get(line.lineId) ?? []),
    consentBy: decision.consentBy,
    remedy: remedyFor(decision.tier, deps.settings.remedies, line.lineId),
  };
  // The delay (and the consent it asks) is recorded before the email leaves, with the
  // notice it owes: a customer who answers the email at once finds it, and a crash
  // between the two leaves the notice owed, not lost.
  const recorded = await deps.waits.recordDelay(line, line.promisedBy, {
    promisedBy: decision.promisedBy,
    // A known revised date is the new promise (its passing is the next delay); an unknown
    // one leaves the old promise passed and handled.
    promiseEscalated: decision.revised === null,
    delays: decision.delays,
    consentBy: decision.consentBy,
    toldPromisedBy: decision.promisedBy,
    owedNotice: notice,
    ...(notice.remedy ? { remedy: strongerRemedy(line.remedy ?? null, notice.remedy) } : {}),
  });
  if (!recorded) return null;
  return { kind: "notice", notice, line: { ...line, promisedBy: decision.promisedBy } };
}

/** Whether a waiting line's new ETA shows, before its promised day has passed, that it
 * will miss its promise (contract §8: told at once, not on the date). */
export function willMissPromise(line: Line, eta: string | null, today: string): boolean {
  return (
    line.status === "backordered" &&
    !line.owedNotice &&
    !line.promiseEscalated &&
    eta !== null &&
    eta > line.promisedBy &&
    today <= line.promisedBy
  );
}

/**
 * A supplier's date (a notice, a revision, a receipt short of what was owed) shows a
 * waiting line will miss its promise: its delay is decided and told now, not when the
 * promised day passes (FTC mail-order rule). From a request or a bulk job, so the email
 * never fails the caller: one that does not go now stays owed on the line, and the line is
 * woken so its own step sends it with the machine's retries. Says what was decided.
 */
export async function delayNow(
  deps: EscalateDeps & Pick<AppPorts, "signals" | "rates">,
  order: Order,
  line: Line,
  options: { rateWaitUntil?: number } = {},
): Promise<"silent" | "notice" | null> {
  const decided = await recordDelayDecision(deps, line, toIsoDate(deps.clock.now()));
  if (decided === null || decided.kind === "silent") return decided?.kind ?? null;
  const { occasion, ...delay } = decided.notice;
  const sent = await notifyCustomer(deps.notify, "delay_notice", order, [decided.line], occasion, {
    delay,
    ...options,
  });
  if (sent === "sent" || sent === "already-sent") {
    await deps.waits.clearOwedNotice(line.orderId, line.lineId, occasion);
  } else {
    await wakeLines(deps, [line], "delay notice owed", options.rateWaitUntil);
  }
  return "notice";
}

/** Sends a recorded delay notice (once: keyed by its occasion), then clears it. */
async function sendOwedNotice(
  deps: EscalateDeps,
  order: Order,
  line: Line,
  notice: OwedNotice,
  stage: "supply" | "warehouse" = "supply",
) {
  const { occasion, ...delay } = notice;
  const sent = await notifyOnce(deps.notify, "delay_notice", order, [line], occasion, {
    delay: { ...delay, stage },
  });
  if (sent === "sent") deps.metrics.count("DelayNotices");
  await deps.waits.clearOwedNotice(line.orderId, line.lineId, occasion);
}

/**
 * The customer keeps waiting for a delayed line (the FTC rule's consent); its timers are
 * recomputed. A link names what the customer saw: after a split the consent is for the
 * part still waiting.
 */
export async function consentToWait(
  deps: Pick<AppPorts, "orders" | "waits" | "signals" | "clock" | "rates">,
  orderId: string,
  lineId: string,
) {
  const lines = await deps.orders.listLines(orderId);
  const target = linkTargetOf(lines, lineId);
  if (target === undefined) throw refusals.notFound(`Line ${lineId} of order ${orderId}`);
  const waiting = target ?? (lines.find((l) => l.lineId === lineId) as Line);
  const asked = Boolean(waiting.consentBy && waiting.consentedFor !== waiting.consentBy);
  // A waiting line, or a paid one the warehouse has not shipped that was asked consent.
  const paidAsked =
    asked && (waiting.status === "charged" || waiting.status === "shipment_requested");
  if (waiting.status !== "backordered" && !paidAsked) {
    throw refusals.conflict(
      "line-not-waiting",
      "Line not waiting",
      `The line is ${waiting.status}; there is nothing to consent to.`,
    );
  }
  if (await deps.waits.recordConsent(orderId, waiting.lineId, deps.clock.now())) {
    await wakeLines(deps, [waiting], "consented");
  }
  const after = (await deps.orders.getLine(orderId, waiting.lineId)) ?? waiting;
  // Never answer as if a consent was recorded when it was not (contract §9).
  if (!after.consentBy || after.consentedFor !== after.consentBy) {
    throw refusals.conflict(
      "consent-not-asked",
      "No consent asked",
      "This line's delay does not need your consent: it keeps waiting as it is.",
    );
  }
  return {
    lineId: waiting.lineId,
    status: after.status,
    promisedBy: after.promisedBy,
    consentedUntil: after.consentedFor ?? null,
  };
}

/** The paid line's delay facts for the warehouse-delay rules. A line paid after its
 * promise had passed (its stock came late, and it was told so) gives the warehouse until
 * the end of the day it was paid. */
function lateStateOf(line: Line) {
  const paid = [...line.history]
    .reverse()
    .find((h) => h.status === "charged")
    ?.at.slice(0, 10);
  return {
    promisedBy: paid && paid > line.promisedBy ? paid : line.promisedBy,
    firstPromisedBy: line.firstPromisedBy ?? line.promisedBy,
    lateTier: line.lateTier ?? null,
    consentBy: line.consentBy ?? null,
  };
}

/** A consent asked and not given whose day has passed. */
const consentMissed = (line: Line, now: Date) =>
  Boolean(line.consentBy && line.consentedFor !== line.consentBy) &&
  endOfDay(line.consentBy as string) <= now;

/**
 * When a paid line the warehouse has not shipped next needs looking at for its delay: the
 * end of the day its next notice falls due, or of the day a consent it was asked is due.
 * Null when nothing is left to tell it.
 */
export function lateLineDueAt(line: Line, settings: EscalateDeps["settings"]): Date | null {
  const points: Date[] = [];
  const notice = nextLateNotice(lateStateOf(line), settings.delays);
  if (notice) points.push(endOfDay(notice));
  if (line.consentBy && line.consentedFor !== line.consentBy) points.push(endOfDay(line.consentBy));
  if (line.owedNotice) points.push(new Date(0));
  return points.sort((a, b) => a.getTime() - b.getTime())[0] ?? null;
}

/**
 * A paid line the warehouse has not shipped by its promise (contract §8): the customer is
 * told when the promise passes, and again as the delay reaches each higher tier (counted
 * from the first promise, with the tier's remedy; no substitutes: it is paid and packed).
 * Past the FTC rule's limit the notice asks consent, and a consent not given by its day
 * cancels the line and refunds it. Each notice is recorded, owed, before it is sent (a
 * crash leaves it owed, not lost), and sent once (keyed by its occasion). Says whether the
 * line moved (cancelled) or stays, with when to look again.
 */
export async function escalateLateLine(
  deps: EscalateDeps,
  read: OrderLines,
): Promise<{ moved: true } | { moved: false; next: Date | null }> {
  const { order } = read;
  let line = read.line;
  const now = deps.clock.now();
  if (line.owedNotice) {
    // A notice about waiting for stock that the stock made moot is dropped, not sent.
    if (line.owedNotice.occasion.startsWith("late-")) {
      await sendOwedNotice(deps, order, line, line.owedNotice, "warehouse");
    } else {
      await deps.waits.clearOwedNotice(line.orderId, line.lineId, line.owedNotice.occasion);
    }
    line = { ...line, owedNotice: null };
  }
  if (consentMissed(line, now)) {
    await cancelLine(deps, line.orderId, line.lineId, "no_consent");
    return { moved: true };
  }
  const due = lateNoticeOn(lateStateOf(line), toIsoDate(now), deps.settings.delays);
  if (due) {
    const notice: OwedNotice = {
      occasion: due.occasion,
      tier: due.tier,
      revised: null,
      substitutes: [],
      consentBy: due.consentBy,
      remedy: remedyFor(due.tier, deps.settings.remedies, line.lineId),
    };
    const recorded = await deps.waits.recordLateNotice(line, {
      lateTier: due.tier,
      delays: (line.delays ?? 0) + 1,
      consentBy: due.consentBy ?? line.consentBy ?? null,
      owedNotice: notice,
      remedy: strongerRemedy(line.remedy ?? null, notice.remedy ?? null),
    });
    // The line moved meanwhile (shipped, cancelled, or told by another run): look again.
    if (!recorded) return { moved: true };
    line = {
      ...line,
      lateTier: due.tier,
      consentBy: due.consentBy ?? line.consentBy ?? null,
      delays: (line.delays ?? 0) + 1,
    };
    await sendOwedNotice(deps, order, line, notice, "warehouse");
  }
  return { moved: false, next: lateLineDueAt({ ...line, owedNotice: null }, deps.settings) };
}
