import type { Line, Order } from "../domain/model.ts";
import {
  EMAIL_SEND_ATTEMPTS,
  EMAIL_SEND_TIMEOUT_MS,
  messageKeyOf,
  type Notification,
  type NotificationKind,
  notificationKey,
} from "../domain/notifications.ts";
import { type EmailContext, renderEmail } from "../emails/render.ts";
import { customerLinks } from "../links/customer-links.ts";
import { logger } from "../logger.ts";
import type { NotifyPorts } from "../ports/app.ts";
import type { OutgoingEmail } from "../ports/mailer.ts";
import { EmailNotSentError, NotificationInFlightError } from "../workflow/errors.ts";
import { takeTurn, takeWithin } from "./rates.ts";

export type NotifyDeps = NotifyPorts;

/** `in-flight`: another attempt (or an ambiguous one of ours) holds a fresh claim;
 * `failed`: the provider refused it every time; it is recorded failed. */
export type NotifyOutcome = "sent" | "already-sent" | "in-flight" | "failed" | "deferred";

/** Sends of one email inside one request (the API) before it is recorded failed; a workflow
 * step that owes it sends it again later, with the machine's back-off. */
const QUICK_ATTEMPTS = 3;

const DAY_MS = 86_400_000;

type NotifyArgs = [
  deps: NotifyDeps,
  kind: NotificationKind,
  order: Order,
  lines: Line[],
  occasion?: string,
  extra?: Pick<EmailContext, "delay"> & {
    /** A bulk job waits for its turn at the email rate until then (epoch ms); a request
     * does not wait: the email is `deferred` to the step (or the next run) that owes it. */
    rateWaitUntil?: number;
  },
];

/** One email, rendered, with the key that makes it once per event. */
interface Prepared {
  deps: NotifyDeps;
  orderId: string;
  kind: NotificationKind;
  key: string;
  lineIds: string[];
  /** The lines still waiting for stock: the ones whose silence the email breaks (their
   * check-in and escalation timers run from their last contact). */
  waitingIds: string[];
  email: OutgoingEmail;
  draft: Omit<Notification, "sentAt">;
}

/** What one claimed send came to: done (sent, or not ours to send), or refused by the
 * provider (it surely did not go), holding the claim made at `claimedAt`. */
type Tried =
  | { done: Exclude<NotifyOutcome, "deferred"> }
  | { refused: string; attempt: number; claimedAt: Date };

/** A request's email whose turn at the email rate has not come: left to a later step. */
class DeferredError extends Error {
  override readonly name = "Deferred";
}

async function prepare(
  ...[deps, kind, order, lines, occasion = "", extra = {}]: NotifyArgs
): Promise<Prepared> {
  const lineIds = lines.map((l) => l.lineId);
  const key = notificationKey(kind, lineIds, occasion);
  const links = await customerLinks(
    deps.publicBaseUrl,
    await deps.linkSecret(),
    order.orderId,
    new Date(deps.clock.now().getTime() + deps.linkTtlDays * DAY_MS),
    order.linkGeneration ?? 0,
  );
  const content = renderEmail(kind, {
    order,
    lines,
    shop: deps.shop,
    orderUrl: links.order,
    cancelUrl: links.cancelLine,
    consentUrl: links.consentLine,
    substituteUrl: links.substituteLine,
    ...(extra.delay ? { delay: extra.delay } : {}),
  });
  return {
    deps,
    orderId: order.orderId,
    kind,
    key,
    lineIds,
    waitingIds: lines.filter((l) => l.status === "backordered").map((l) => l.lineId),
    email: {
      to: order.customer.email,
      ...content,
      messageKey: messageKeyOf(order.orderId, key),
      orderId: order.orderId,
    },
    draft: { kind, to: order.customer.email, subject: content.subject, lineIds },
  };
}

/**
 * One send: claim (counting the send), send with the email's message key, confirm. A claim
 * younger than its lease is never sent again, so a send and its mark leave a window only
 * as wide as the write after the send. After a timeout or a lost connection the email may
 * have gone: the claim is kept until its lease runs out (then a later attempt sends it, with
 * the same message key), rather than risk sending it twice at once.
 */
async function sendOnce(p: Prepared, turn: () => Promise<void>): Promise<Tried> {
  const { deps, orderId, key } = p;
  const now = deps.clock.now();
  const claim = await deps.notifications.claimNotification(
    orderId,
    key,
    { ...p.draft, sentAt: now.toISOString() },
    now,
  );
  if (typeof claim === "string") return { done: claim };
  // Its turn at the email rate, taken only for an email that is really to go. One that is
  // later gives the claim back uncounted (nothing was sent) for the run in its turn.
  try {
    await turn();
  } catch (error) {
    const reason = error instanceof Error ? error.name : "turn later";
    await deps.notifications.releaseNotification(orderId, key, now, reason, { unsent: true });
    throw error;
  }
  // A turn that came late (a busy rate; on the local stack, the clock moved on meanwhile):
  // the claim's lease is renewed before the send, and if another attempt took the claim
  // over while this one waited, it sends and this one does not.
  let claimedAt = now;
  const sendAt = deps.clock.now();
  if (sendAt.getTime() - now.getTime() > EMAIL_SEND_TIMEOUT_MS) {
    if (!(await deps.notifications.renewClaim(orderId, key, now, sendAt))) {
      return { done: "in-flight" };
    }
    claimedAt = sendAt;
  }
  let messageId: string;
  try {
    messageId = await deps.mailer.send(p.email);
  } catch (error) {
    if (!deps.mailer.definitelyNotSent(error)) return { done: "in-flight" };
    const refused = error instanceof Error ? error.name : "send failed";
    return { refused, attempt: claim.attempt, claimedAt };
  }
  await deps.notifications.markNotificationSent(orderId, key, messageId, claimedAt);
  // Only a waiting line's timers run from its last contact (lines never wait again).
  if (p.waitingIds.length) {
    await deps.notifications.touchLastContact(orderId, p.waitingIds, claimedAt);
  }
  return { done: "sent" };
}

async function recordFailed(p: Prepared, tried: Extract<Tried, { refused: string }>) {
  await p.deps.notifications.markNotificationFailed(
    p.orderId,
    p.key,
    tried.claimedAt,
    tried.refused,
  );
  logger.warn("email not sent; recorded as failed", {
    orderId: p.orderId,
    kind: p.kind,
    reason: tried.refused,
    attempts: tried.attempt,
  });
}

/**
 * Emails the customer about some lines of an order, once per event, from a request (the
 * API): a refused or throttled send is tried again at once a few times, then recorded
 * failed (listed in /notifications) for a workflow step that owes it to send later. Says
 * `sent`, or why not: `already-sent`, `in-flight` (another attempt holds a fresh claim, or
 * the send may have gone), or `failed`. An email never fails its caller.
 */
export async function notifyCustomer(...args: NotifyArgs): Promise<NotifyOutcome> {
  const [deps, , , , , extra] = args;
  // The email rate is shared with every line's execution: a request never waits for its
  // turn (a storefront's order is not slowed by a receipt's fan-out), it leaves the email
  // to the step that owes it.
  const until = extra?.rateWaitUntil ?? Date.now();
  const p = await prepare(...args);
  for (let quick = 1; ; quick++) {
    // The request's one turn at the email rate; a quick send again after a refusal goes
    // in it (the provider refused the first: it did not go).
    const turn = async () => {
      if (quick > 1) return;
      if (!(await takeWithin(deps.rates, "emails", 1, until))) throw new DeferredError();
    };
    const tried: Tried | { done: "deferred" } = await sendOnce(p, turn).catch((error: unknown) => {
      if (error instanceof DeferredError) return { done: "deferred" as const };
      throw error;
    });
    if ("done" in tried) return tried.done;
    if (quick >= QUICK_ATTEMPTS) {
      await recordFailed(p, tried);
      return "failed";
    }
    await p.deps.notifications.releaseNotification(
      p.orderId,
      p.key,
      tried.claimedAt,
      tried.refused,
    );
    await new Promise((r) => setTimeout(r, Math.random() * 50 * 2 ** quick));
  }
}

/**
 * As notifyCustomer, for a workflow step (advance.ts and what it calls): one send per run of
 * the step. A refused or throttled send releases its claim and fails the step with
 * EmailNotSent, which the line machine retries with back-off and jitter; once the email's
 * sends (all attempts, persisted) reach EMAIL_SEND_ATTEMPTS it is recorded failed and the step
 * goes on: a line never fails because of an email. While another attempt may still be
 * sending it, the step fails with NotificationInFlight, retried after the claim's lease.
 * Every step re-reads the line and is idempotent, so retrying the whole step is safe.
 */
export async function notifyOnce(
  ...args: NotifyArgs
): Promise<Exclude<NotifyOutcome, "in-flight" | "deferred">> {
  const [deps] = args;
  const p = await prepare(...args);
  const tried = await sendOnce(p, () => takeTurn(deps.rates, "emails"));
  if ("done" in tried) {
    if (tried.done === "in-flight") {
      throw new NotificationInFlightError(`the ${p.kind} email of order ${p.orderId} is in flight`);
    }
    return tried.done;
  }
  if (tried.attempt >= EMAIL_SEND_ATTEMPTS) {
    await recordFailed(p, tried);
    return "failed";
  }
  await p.deps.notifications.releaseNotification(p.orderId, p.key, tried.claimedAt, tried.refused);
  throw new EmailNotSentError(
    `the ${p.kind} email of order ${p.orderId} was refused (${tried.refused}); send ${tried.attempt} of ${EMAIL_SEND_ATTEMPTS}`,
  );
}
