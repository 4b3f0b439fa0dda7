import type { DelayTier } from "../domain/delays.ts";
import type { Line, OwedNotice, Remedy } from "../domain/model.ts";
import type { WaitKind } from "../domain/waits.ts";

/** What a delay decision changes on a waiting line. */
export interface DelayPatch {
  promisedBy: string;
  promiseEscalated: boolean;
  delays: number;
  consentBy: string | null;
  toldPromisedBy: string;
  /** The notice this delay owes the customer (null for a silent slip). */
  owedNotice: OwedNotice | null;
  /** The remedy the notice gives, recorded on the line (absent: the line's stays). */
  remedy?: Remedy | null;
}

/** What a warehouse-delay notice changes on a paid line. */
export interface LatePatch {
  lateTier: DelayTier;
  delays: number;
  consentBy: string | null;
  owedNotice: OwedNotice;
  remedy: Remedy | null;
}

/** A wake-up a line is owed (the wake outbox, see shared/services/wakes.ts). */
export interface OwedWake {
  orderId: string;
  lineId: string;
  /** When it was marked (ISO time, with a suffix that makes each mark unique). */
  due: string;
  /** Deliveries tried and failed so far. */
  attempts: number;
}

/** A line's waits: its task token, its dates and promises while it waits, its execution. */
export interface LineWaitStore {
  /**
   * Records a parked line's task token if what it waits for has not happened yet (see
   * shared/domain/waits.ts), and drops its wake mark (a parked line is woken afresh by
   * the next change); false when it has happened, and the line should reload instead.
   */
  parkLine(orderId: string, lineId: string, token: string, wait: WaitKind): Promise<boolean>;
  getWaitToken(orderId: string, lineId: string): Promise<string | null>;
  /**
   * Sets a waiting line's ETA (and, given one, a new promise whose passing is handled
   * afresh); false when the line is no longer waiting.
   */
  setLineEta(
    orderId: string,
    lineId: string,
    eta: string | null,
    promisedBy?: string | null,
  ): Promise<boolean>;
  /** Records the ETA the customer was emailed about. */
  setNotifiedEta(orderId: string, lineId: string, eta: string | null): Promise<void>;
  /**
   * Applies a delay decision to a waiting line still promised for `from`: the new promise,
   * the delay count and the consent it needs. False if the line moved meanwhile.
   */
  recordDelay(line: Line, from: string, patch: DelayPatch): Promise<boolean>;
  /**
   * Records a delay notice about a paid line the warehouse has not shipped (charged, or its
   * shipment requested), owed until sent, if its last such notice is still `line.lateTier`.
   * False if the line moved meanwhile.
   */
  recordLateNotice(line: Line, patch: LatePatch): Promise<boolean>;
  /** The owed notice of this occasion went out: the line owes it no more. */
  clearOwedNotice(orderId: string, lineId: string, occasion: string): Promise<void>;
  /** The customer consents to keep waiting until the date they were asked about; false
   * when the line is not waiting or no consent was asked. */
  recordConsent(orderId: string, lineId: string, at: Date): Promise<boolean>;
  /** Marks that a line needs a wake-up (for a change that did not write the line itself). */
  markWake(orderId: string, lineId: string, at: Date): Promise<void>;
  /** The line's wake mark, if it has one. */
  owedWake(orderId: string, lineId: string): Promise<OwedWake | null>;
  /** Wake-ups owed whose next try is before `before`, oldest first, up to `limit`. */
  wakesDue(before: Date, limit: number): Promise<OwedWake[]>;
  /** The wake was delivered (or the line is not parked): drop the mark, if it is this one. */
  clearWake(wake: OwedWake): Promise<void>;
  /** A delivery failed: try this mark again at `next`. */
  postponeWake(wake: OwedWake, next: Date): Promise<void>;
  /** Records that the line runs on a new execution now, if it still ran on `from`. */
  recordExecutionRestart(
    line: Line,
    from: string,
    to: string,
    counts: { restarts: number; failures: number },
  ): Promise<boolean>;
}
