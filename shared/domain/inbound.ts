import { type IsoDate, toIsoDate } from "./dates.ts";

/** Units of a SKU on their way, from a supplier's advance shipping notice. */
export interface Inbound {
  asnId: string;
  supplierId: string;
  qty: number;
  /** ISO instant. */
  estimatedDeliveryAt: string;
}

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
