import * as z from "zod";
import { type IsoDate, toIsoDate } from "./dates.ts";

/** Units of a SKU on their way, from a supplier's advance shipping notice. */
export const inboundSchema = z.object({
  asnId: z.string(),
  supplierId: z.string(),
  qty: z.number().int(),
  /** ISO instant. */
  estimatedDeliveryAt: z.string(),
});
export type Inbound = z.infer<typeof inboundSchema>;

/**
 * The date a unit ordered now would arrive by from inbound notices (contract §4): the
 * units already owed to waiting lines are served first, soonest delivery first; the next
 * unit comes with the first notice that reaches past them. Null when inbound does not.
 */
export function inboundEta(inbound: readonly Inbound[], owedAhead: number): IsoDate | null {
  let covered = 0;
  const soonest = [...inbound].sort((a, b) =>
    a.estimatedDeliveryAt.localeCompare(b.estimatedDeliveryAt),
  );
  for (const notice of soonest) {
    covered += notice.qty;
    if (covered > owedAhead) return toIsoDate(new Date(notice.estimatedDeliveryAt));
  }
  return null;
}

/** One waiting line's new ETA, and whether its customer should hear of it. */
export interface EtaChange {
  lineId: string;
  orderId: string;
  eta: IsoDate | null;
  /** The ETA differs from the one stored. */
  changed: boolean;
  /** New, or a day or more from the date the customer was last told (contract §6). */
  notify: boolean;
}

/**
 * ETAs of a SKU's waiting lines (oldest first) from its inbound notices: units arriving
 * soonest go to the oldest lines; a line gets the date of the notice that completes it,
 * and no ETA when inbound does not reach it. Returns the lines whose ETA changed or whose
 * customer has not been told their date (`notifiedEta`).
 */
export function waitingEtas(
  queue: readonly {
    lineId: string;
    orderId: string;
    qty: number;
    eta: IsoDate | null;
    notifiedEta?: IsoDate | null;
  }[],
  inbound: readonly Inbound[],
  minMoveDays = 1,
): EtaChange[] {
  const soonest = [...inbound].sort((a, b) =>
    a.estimatedDeliveryAt.localeCompare(b.estimatedDeliveryAt),
  );
  const changes: EtaChange[] = [];
  let needed = 0;
  let notice = 0;
  let covered = 0;
  for (const line of queue) {
    needed += line.qty;
    while (notice < soonest.length && covered < needed) {
      covered += soonest[notice]?.qty ?? 0;
      notice++;
    }
    const last = soonest[notice - 1];
    const eta = covered >= needed && last ? toIsoDate(new Date(last.estimatedDeliveryAt)) : null;
    const told = line.notifiedEta ?? null;
    const notify =
      eta !== null &&
      (told === null ||
        Math.abs(Date.parse(`${eta}T00:00:00Z`) - Date.parse(`${told}T00:00:00Z`)) >=
          minMoveDays * 86_400_000);
    const changed = eta !== line.eta;
    if (!changed && !notify) continue;
    changes.push({ lineId: line.lineId, orderId: line.orderId, eta, changed, notify });
  }
  return changes;
}
