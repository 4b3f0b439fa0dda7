import type { Line } from "../../domain/model.ts";
import { WAIT_STATUS, type WaitKind } from "../../domain/waits.ts";
import type { DelayPatch, LatePatch, LineWaitStore, OwedWake } from "../../ports/line-waits.ts";
import {
  keys,
  mergeParts,
  statusIn,
  Table,
  type UpdateParts,
  WAKE_FIELDS,
  WAKE_SHARDS,
  wakeMark,
} from "./table.ts";

/** What else must still hold for a line to park, beyond its status (see domain/waits.ts). */
const PARK_ALSO: Partial<Record<WaitKind, UpdateParts>> = {
  // Its shipment not formed yet.
  group: {
    condition: ["(attribute_not_exists(shipmentId) OR shipmentId = :null)"],
    values: { ":null": null },
  },
  // No new payment method given since the decline.
  payment: {
    condition: ["(attribute_not_exists(retryCharge) OR retryCharge = :false)"],
    values: { ":false": false },
  },
};

/** A line's task token, dates and promises while it waits, and its execution's name. */
export class DynamoDbLineWaits implements LineWaitStore {
  constructor(private readonly table = new Table()) {}

  parkLine(orderId: string, lineId: string, token: string, wait: WaitKind): Promise<boolean> {
    return this.table.updateIf(
      keys.line(orderId, lineId),
      mergeParts(
        {
          set: ["waitToken = :token", "waitingFor = :wait"],
          remove: WAKE_FIELDS,
          values: { ":token": token, ":wait": wait },
        },
        statusIn(WAIT_STATUS[wait]),
        PARK_ALSO[wait] ?? {},
      ),
    );
  }

  async getWaitToken(orderId: string, lineId: string): Promise<string | null> {
    const item = await this.table.get(keys.line(orderId, lineId));
    return typeof item?.waitToken === "string" ? item.waitToken : null;
  }

  setLineEta(
    orderId: string,
    lineId: string,
    eta: string | null,
    promisedBy: string | null = null,
  ): Promise<boolean> {
    return this.table.updateIf(
      keys.line(orderId, lineId),
      mergeParts(
        promisedBy
          ? {
              set: ["eta = :eta", "promisedBy = :promise", "promiseEscalated = :false"],
              values: { ":eta": eta, ":promise": promisedBy, ":false": false },
            }
          : { set: ["eta = :eta"], values: { ":eta": eta } },
        statusIn("backordered"),
      ),
    );
  }

  async setNotifiedEta(orderId: string, lineId: string, eta: string | null): Promise<void> {
    await this.table.updateIf(keys.line(orderId, lineId), {
      set: ["notifiedEta = :eta"],
      condition: ["attribute_exists(pk)"],
      values: { ":eta": eta },
    });
  }

  recordDelay(line: Line, from: string, patch: DelayPatch): Promise<boolean> {
    return this.table.updateIf(
      keys.line(line.orderId, line.lineId),
      mergeParts(
        {
          set: [
            "promisedBy = :promisedBy",
            "promiseEscalated = :escalated",
            "delays = :delays",
            "consentBy = :consentBy",
            "toldPromisedBy = :told",
            "owedNotice = :owed",
            "firstPromisedBy = if_not_exists(firstPromisedBy, :from)",
            ...(patch.remedy !== undefined ? ["remedy = :remedy"] : []),
          ],
          condition: ["promisedBy = :from"],
          values: {
            ":promisedBy": patch.promisedBy,
            ":escalated": patch.promiseEscalated,
            ":delays": patch.delays,
            ":consentBy": patch.consentBy,
            ":told": patch.toldPromisedBy,
            ":owed": patch.owedNotice,
            ":from": from,
            ...(patch.remedy !== undefined ? { ":remedy": patch.remedy } : {}),
          },
        },
        statusIn("backordered"),
      ),
    );
  }

  recordLateNotice(line: Line, patch: LatePatch): Promise<boolean> {
    const told = line.lateTier ?? null;
    return this.table.updateIf(
      keys.line(line.orderId, line.lineId),
      mergeParts(
        {
          set: [
            "lateTier = :tier",
            "delays = :delays",
            "consentBy = :consentBy",
            "owedNotice = :owed",
            "remedy = :remedy",
            "firstPromisedBy = if_not_exists(firstPromisedBy, :promised)",
          ],
          condition: [
            told === null
              ? "(attribute_not_exists(lateTier) OR lateTier = :none)"
              : "lateTier = :told",
          ],
          values: {
            ":tier": patch.lateTier,
            ":delays": patch.delays,
            ":consentBy": patch.consentBy,
            ":owed": patch.owedNotice,
            ":remedy": patch.remedy,
            ":promised": line.promisedBy,
            ...(told === null ? { ":none": null } : { ":told": told }),
          },
        },
        statusIn("charged", "shipment_requested"),
      ),
    );
  }

  async clearOwedNotice(orderId: string, lineId: string, occasion: string): Promise<void> {
    await this.table.updateIf(keys.line(orderId, lineId), {
      set: ["owedNotice = :none"],
      condition: ["owedNotice.occasion = :occasion"],
      values: { ":none": null, ":occasion": occasion },
    });
  }

  recordConsent(orderId: string, lineId: string, at: Date): Promise<boolean> {
    return this.table.updateIf(
      keys.line(orderId, lineId),
      mergeParts(
        {
          set: ["consentedFor = consentBy"],
          condition: ["attribute_exists(consentBy)", "consentBy <> :none"],
          values: { ":none": null },
        },
        // A paid line in the warehouse is asked consent too, past the rule's limit.
        statusIn("backordered", "charged", "shipment_requested"),
        wakeMark(at),
      ),
    );
  }

  async markWake(orderId: string, lineId: string, at: Date): Promise<void> {
    await this.table.updateIf(
      keys.line(orderId, lineId),
      mergeParts({ condition: ["attribute_exists(pk)"] }, wakeMark(at)),
    );
  }

  async owedWake(orderId: string, lineId: string): Promise<OwedWake | null> {
    const item = await this.table.get(keys.line(orderId, lineId));
    return item && typeof item.wakeDue === "string" ? owedWakeOf(item) : null;
  }

  async wakesDue(before: Date, limit: number): Promise<OwedWake[]> {
    const shards = await Promise.all(
      Array.from({ length: WAKE_SHARDS }, (_, shard) =>
        this.table.queryPage({
          IndexName: "gsi2",
          KeyConditionExpression: "gsi2pk = :shard AND gsi2sk < :before",
          ExpressionAttributeValues: { ":shard": `WAKE#${shard}`, ":before": before.toISOString() },
          Limit: limit,
        }),
      ),
    );
    return shards
      .flatMap((page) => page.items.map(owedWakeOf))
      .sort((a, b) => a.due.localeCompare(b.due))
      .slice(0, limit);
  }

  async clearWake(wake: OwedWake): Promise<void> {
    await this.table.updateIf(keys.line(wake.orderId, wake.lineId), {
      remove: WAKE_FIELDS,
      condition: ["wakeDue = :due"],
      values: { ":due": wake.due },
    });
  }

  async postponeWake(wake: OwedWake, next: Date): Promise<void> {
    await this.table.updateIf(keys.line(wake.orderId, wake.lineId), {
      set: ["gsi2sk = :next", "wakeAttempts = :attempts"],
      condition: ["wakeDue = :due"],
      values: { ":due": wake.due, ":next": next.toISOString(), ":attempts": wake.attempts + 1 },
    });
  }

  recordExecutionRestart(
    line: Line,
    from: string,
    to: string,
    counts: { restarts: number; failures: number },
  ): Promise<boolean> {
    return this.table.updateIf(keys.line(line.orderId, line.lineId), {
      set: ["executionName = :to", "executionRestarts = :n", "executionFailures = :failures"],
      condition: [
        from === line.lineId
          ? "(attribute_not_exists(executionName) OR executionName = :from)"
          : "executionName = :from",
      ],
      values: { ":to": to, ":from": from, ":n": counts.restarts, ":failures": counts.failures },
    });
  }
}

function owedWakeOf(item: Record<string, unknown>): OwedWake {
  return {
    orderId: String(item.orderId),
    lineId: String(item.lineId),
    due: String(item.wakeDue),
    attempts: typeof item.wakeAttempts === "number" ? item.wakeAttempts : 0,
  };
}
