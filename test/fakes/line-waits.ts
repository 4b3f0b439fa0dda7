import type { Line } from "../../shared/domain/model.ts";
import { WAIT_STATUS, type WaitKind } from "../../shared/domain/waits.ts";
import type {
  DelayPatch,
  LatePatch,
  LineWaitStore,
  OwedWake,
} from "../../shared/ports/line-waits.ts";
import { check, type FakeDb, lineKey, markWake } from "./db.ts";

/** What else must hold for a line to park, beyond its status (see domain/waits.ts). */
const PARK_ALSO: Partial<Record<WaitKind, (line: Line) => boolean>> = {
  group: (line) => !line.shipmentId,
  payment: (line) => !line.retryCharge,
};

/** Task tokens, dates and promises of waiting lines (dynamodb/line-waits.ts). */
export class FakeLineWaits implements LineWaitStore {
  constructor(private readonly db: FakeDb) {}

  async parkLine(orderId: string, lineId: string, token: string, wait: WaitKind) {
    const failed = await this.db.write("waits.parkLine", (t) => {
      const line = t.lines.get(lineKey(orderId, lineId));
      check(line?.status === WAIT_STATUS[wait], `the line is ${WAIT_STATUS[wait]}`);
      check(PARK_ALSO[wait]?.(line) ?? true, `what the line waits for (${wait}) has not happened`);
      t.parked.set(lineKey(orderId, lineId), { token, wait });
      t.wakes.delete(lineKey(orderId, lineId));
    });
    return failed === null;
  }

  async getWaitToken(orderId: string, lineId: string): Promise<string | null> {
    return this.db.tables.parked.get(lineKey(orderId, lineId))?.token ?? null;
  }

  async setLineEta(
    orderId: string,
    lineId: string,
    eta: string | null,
    promisedBy: string | null = null,
  ): Promise<boolean> {
    const failed = await this.db.write("waits.setLineEta", (t) => {
      const line = t.lines.get(lineKey(orderId, lineId));
      check(line?.status === "backordered", "the line is waiting");
      line.eta = eta;
      if (promisedBy) Object.assign(line, { promisedBy, promiseEscalated: false });
    });
    return failed === null;
  }

  async setNotifiedEta(orderId: string, lineId: string, eta: string | null): Promise<void> {
    await this.db.write("waits.setNotifiedEta", (t) => {
      const line = t.lines.get(lineKey(orderId, lineId));
      check(line, "the line exists");
      line.notifiedEta = eta;
    });
  }

  async recordDelay(line: Line, from: string, patch: DelayPatch): Promise<boolean> {
    const failed = await this.db.write("waits.recordDelay", (t) => {
      const stored = t.lines.get(lineKey(line.orderId, line.lineId));
      check(stored?.status === "backordered", "the line is waiting");
      check(stored.promisedBy === from, `the line is still promised for ${from}`);
      stored.firstPromisedBy ??= from;
      Object.assign(stored, patch);
    });
    return failed === null;
  }

  async clearOwedNotice(orderId: string, lineId: string, occasion: string): Promise<void> {
    await this.db.write("waits.clearOwedNotice", (t) => {
      const line = t.lines.get(lineKey(orderId, lineId));
      check(line?.owedNotice?.occasion === occasion, "the line owes this notice");
      line.owedNotice = null;
    });
  }

  async recordLateNotice(line: Line, patch: LatePatch): Promise<boolean> {
    const failed = await this.db.write("waits.recordLateNotice", (t) => {
      const stored = t.lines.get(lineKey(line.orderId, line.lineId));
      check(
        stored !== undefined && ["charged", "shipment_requested"].includes(stored.status),
        "the line is paid and not yet shipped",
      );
      check((stored.lateTier ?? null) === (line.lateTier ?? null), "no other notice since");
      stored.firstPromisedBy ??= stored.promisedBy;
      Object.assign(stored, patch);
    });
    return failed === null;
  }

  async recordConsent(orderId: string, lineId: string, at: Date): Promise<boolean> {
    const failed = await this.db.write("waits.recordConsent", (t) => {
      const line = t.lines.get(lineKey(orderId, lineId));
      check(
        line !== undefined &&
          ["backordered", "charged", "shipment_requested"].includes(line.status),
        "the line is waiting, or paid and not yet shipped",
      );
      check(line.consentBy !== undefined && line.consentBy !== null, "consent was asked");
      line.consentedFor = line.consentBy;
      markWake(t, orderId, lineId, at);
    });
    return failed === null;
  }

  async markWake(orderId: string, lineId: string, at: Date): Promise<void> {
    await this.db.write("waits.markWake", (t) => {
      check(t.lines.has(lineKey(orderId, lineId)), "the line exists");
      markWake(t, orderId, lineId, at);
    });
  }

  async owedWake(orderId: string, lineId: string): Promise<OwedWake | null> {
    const mark = this.db.tables.wakes.get(lineKey(orderId, lineId));
    return mark ? { orderId, lineId, due: mark.due, attempts: mark.attempts } : null;
  }

  async wakesDue(before: Date, limit: number): Promise<OwedWake[]> {
    const cutoff = before.toISOString();
    return [...this.db.tables.wakes.entries()]
      .filter(([, mark]) => mark.next < cutoff)
      .sort(([, a], [, b]) => a.due.localeCompare(b.due))
      .slice(0, limit)
      .map(([key, mark]) => {
        const line = this.db.tables.lines.get(key);
        if (!line) throw new Error(`a wake mark of no line: ${key}`);
        return {
          orderId: line.orderId,
          lineId: line.lineId,
          due: mark.due,
          attempts: mark.attempts,
        };
      });
  }

  async clearWake(wake: OwedWake): Promise<void> {
    await this.db.write("waits.clearWake", (t) => {
      const key = lineKey(wake.orderId, wake.lineId);
      check(t.wakes.get(key)?.due === wake.due, "the line still has this mark");
      t.wakes.delete(key);
    });
  }

  async postponeWake(wake: OwedWake, next: Date): Promise<void> {
    await this.db.write("waits.postponeWake", (t) => {
      const mark = t.wakes.get(lineKey(wake.orderId, wake.lineId));
      check(mark?.due === wake.due, "the line still has this mark");
      Object.assign(mark, { next: next.toISOString(), attempts: wake.attempts + 1 });
    });
  }

  async recordExecutionRestart(
    line: Line,
    from: string,
    to: string,
    counts: { restarts: number; failures: number },
  ) {
    const failed = await this.db.write("waits.recordExecutionRestart", (t) => {
      const stored = t.lines.get(lineKey(line.orderId, line.lineId));
      check(stored, "the line exists");
      const current = stored.executionName ?? (from === line.lineId ? from : undefined);
      check(current === from, `the line still runs on ${from}`);
      Object.assign(stored, {
        executionName: to,
        executionRestarts: counts.restarts,
        executionFailures: counts.failures,
      });
    });
    return failed === null;
  }
}
