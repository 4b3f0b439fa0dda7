import { appendFileSync, existsSync, readFileSync } from "node:fs";

/**
 * What the local payment provider (the sandbox) charged and refunded, as its own records
 * would say: one line per charge or refund in `<dataDir>/payments.jsonl`, kept across
 * restarts, served at `GET /_local/payments`. The soak's checker compares it with the
 * table: a line charged twice shows here as two charges, whatever the table says.
 */
export interface LedgerEntry {
  kind: "charge" | "refund";
  id: string;
  idempotencyKey: string;
  amount: number;
  at: string;
}

export class PaymentsLedger {
  private readonly seen = new Set<string>();

  constructor(private readonly file: string) {
    for (const entry of this.entries()) this.seen.add(`${entry.kind}:${entry.id}`);
  }

  /** Records a charge or refund the provider made (a retry of the same key adds nothing:
   * the provider answered it with the same charge). */
  record(entry: Omit<LedgerEntry, "at">, at: Date): void {
    const key = `${entry.kind}:${entry.id}`;
    if (this.seen.has(key)) return;
    this.seen.add(key);
    appendFileSync(this.file, `${JSON.stringify({ ...entry, at: at.toISOString() })}\n`);
  }

  entries(): LedgerEntry[] {
    if (!existsSync(this.file)) return [];
    return readFileSync(this.file, "utf8")
      .split("\n")
      .filter((l) => l.trim() !== "")
      .flatMap((l) => {
        try {
          return [JSON.parse(l) as LedgerEntry];
        } catch {
          // A line cut off by a kill: the provider's answer was never given for it.
          return [];
        }
      });
  }
}
