import { existsSync, readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import type { FaultsConfig } from "../../infra/local/faults.ts";
import { type RunningStack, startStackProcess } from "../e2e/stack-process.ts";
import { TestTable } from "../support/table.ts";
import { type DriverStats, SoakDriver } from "./driver.ts";
import {
  checkInvariants,
  type InvariantResult,
  mailsFromSesStore,
  type PaymentRecord,
} from "./invariants.ts";

/**
 * A soak (issue 15): a stack of its own (`npm start --fresh`, DynamoDB on disk so a kill
 * keeps the data), faults switched on through `/_local/faults`, the scenario driver for a
 * number of operations or minutes, the whole stack killed with SIGKILL and started again on
 * the same data now and then; then faults off, the system left to settle, and every
 * invariant checked from the table, the mail store and the payment provider's ledger.
 */
export interface SoakOptions {
  seed: number;
  /** Stop after this many operations … */
  operations?: number;
  /** … or after this many minutes (whichever comes first). */
  minutes?: number;
  faults: FaultsConfig;
  /** SIGKILL and restart the stack this many times, evenly through the run. */
  kills: number;
  log?: (line: string) => void;
  /** Keep the stack's data directory (its log, mail, ledger and events) to look into. */
  keepData?: boolean;
}

export interface SoakResult {
  seed: number;
  operationsDone: number;
  seconds: number;
  driver: DriverStats;
  /** Faults injected, by kind (from `/_local/faults`, summed across restarts). */
  faultsInjected: Record<string, number>;
  kills: number;
  invariants: InvariantResult[];
  lines: number;
}

const KEYS = { storefront: "local-storefront-key", warehouse: "local-warehouse-key" };
const SUPPLIER = { id: "acme", secret: "whsec_bG9jYWwtYWNtZS1zdXBwbGllci1zZWNyZXQtMDAwMQ==" };
const LINK_SECRET = "local-customer-link-signing-secret";

async function json(url: string, init?: RequestInit): Promise<Record<string, unknown>> {
  const res = await fetch(url, init);
  const text = await res.text();
  if (!res.ok) throw new Error(`${init?.method ?? "GET"} ${url}: ${res.status} ${text}`);
  return text ? (JSON.parse(text) as Record<string, unknown>) : {};
}

export async function runSoak(options: SoakOptions): Promise<SoakResult> {
  const log = options.log ?? (() => undefined);
  const started = Date.now();
  let stack: RunningStack = await startStackProcess({ fresh: true });
  const { ports, dataDir } = stack;
  const api = stack.manifest.urls.api;
  const faultsInjected: Record<string, number> = {};
  const setFaults = () =>
    json(`${api}/_local/faults`, {
      method: "PUT",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(options.faults),
    });
  /** Adds what the stack injected so far (its counts start again at a restart). */
  const takeInjected = async () => {
    const { injected } = (await json(`${api}/_local/faults`)) as {
      injected: Record<string, number>;
    };
    for (const [kind, n] of Object.entries(injected)) {
      faultsInjected[kind] = (faultsInjected[kind] ?? 0) + n;
    }
  };
  try {
    const driver = new SoakDriver(
      { apiUrl: api, keys: KEYS, supplier: SUPPLIER, linkSecret: LINK_SECRET },
      options.seed,
    );
    await driver.setUp();
    await setFaults();
    const total = options.operations ?? Number.POSITIVE_INFINITY;
    const until = started + (options.minutes ?? Number.POSITIVE_INFINITY) * 60_000;
    const killEvery =
      options.kills > 0 && Number.isFinite(total) ? Math.floor(total / (options.kills + 1)) : 0;
    const killEveryMs =
      options.kills > 0 && options.minutes
        ? (options.minutes * 60_000) / (options.kills + 1)
        : Number.POSITIVE_INFINITY;
    let kills = 0;
    let done = 0;
    let nextKillAt = started + killEveryMs;
    while (done < total && Date.now() < until) {
      await driver.step();
      done++;
      if (done % 50 === 0)
        log(`  ${done} operations, ${Math.round((Date.now() - started) / 1000)} s`);
      const killNow =
        kills < options.kills &&
        ((killEvery > 0 && done % killEvery === 0) || Date.now() >= nextKillAt);
      if (killNow) {
        await takeInjected();
        log(`  SIGKILL of the whole stack after ${done} operations; starting it on the same data`);
        await stack.kill();
        stack = await startStackProcess({ ports, dataDir });
        kills++;
        nextKillAt = Date.now() + killEveryMs;
        // Faults set at run time do not outlive the process: set again.
        await setFaults();
      }
    }
    await takeInjected();
    log(`  ${done} operations done; faults off, letting the system settle`);
    await json(`${api}/_local/faults`, { method: "DELETE" });
    await driver.finish();
    // Settle: nothing in flight, then time for the wake deliverer and the backstops (their
    // schedules run on the virtual clock), twice.
    for (let round = 0; round < 3; round++) {
      await fetch(`${api}/_local/idle?timeoutMs=120000`).then((r) => r.text());
      await json(`${api}/_local/clock/advance`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ seconds: 1_800 }),
      });
    }
    await fetch(`${api}/_local/idle?timeoutMs=120000`).then((r) => r.text());

    process.env.AWS_REGION = "us-east-1";
    process.env.AWS_ACCESS_KEY_ID = "local";
    process.env.AWS_SECRET_ACCESS_KEY = "local";
    process.env.AWS_ENDPOINT_URL_DYNAMODB = stack.manifest.urls.dynamodb;
    const items = await new TestTable(stack.manifest.tableName).scanAll();
    // Every email the local SES took, across kills (its store is in memory; the stack keeps
    // them on disk as it takes them).
    const sentFile = join(dataDir, "ses-sent.jsonl");
    const emails = existsSync(sentFile)
      ? readFileSync(sentFile, "utf8")
          .split("\n")
          .filter((l) => l.trim() !== "")
          .flatMap((l) => {
            try {
              return [JSON.parse(l) as unknown];
            } catch {
              return []; // a line cut off by a kill
            }
          })
      : [];
    const mails = mailsFromSesStore({ emails });
    const { payments } = (await json(`${api}/_local/payments`)) as { payments: PaymentRecord[] };
    const { now } = (await json(`${api}/_local/clock`)) as { now: string };
    // The driver counts stock only at rest and never below what is allocated.
    const invariants = checkInvariants(
      { items, mails, payments },
      { quiescent: true, now, countsNeverBelowAllocated: true },
    );
    // Every order the API accepted is readable.
    const unreadable: string[] = [];
    for (const orderId of driver.stats.acceptedOrders) {
      const res = await fetch(`${api}/v1/orders/${orderId}`, {
        headers: { authorization: `Bearer ${KEYS.storefront}` },
      });
      if (res.status !== 200) unreadable.push(`${orderId} answered ${res.status}`);
    }
    const readable = invariants.find((r) => r.name === "orders-readable");
    if (readable) {
      readable.notes.push(
        `${driver.stats.acceptedOrders.length} orders accepted (2xx) read back through the API`,
      );
      if (unreadable.length > 0) {
        readable.ok = false;
        readable.violationCount += unreadable.length;
        readable.violations.push(...unreadable.slice(0, 20).map((u) => `accepted order ${u}`));
      }
    }
    return {
      seed: options.seed,
      operationsDone: done,
      seconds: Math.round((Date.now() - started) / 1000),
      driver: driver.stats,
      faultsInjected,
      kills,
      invariants,
      lines: items.filter((i) => String(i.sk).startsWith("LINE#")).length,
    };
  } finally {
    await stack.stop();
    if (options.keepData) log(`  data kept in ${dataDir}`);
    else rmSync(dataDir, { recursive: true, force: true });
  }
}

/** The faults a soak runs under by default: every kind the local stack injects, at rates. */
export const SOAK_FAULTS: FaultsConfig = {
  seed: 7,
  sdk: { services: ["dynamodb", "sfn", "ses"], rate: 0.01 },
  crash: {
    after: ["TransactWriteItems", "UpdateItem", "SendEmail", "charge", "SendTaskSuccess"],
    rate: 0.02,
  },
  ses: { error: "TooManyRequestsException", rate: 0.05 },
  sendTaskSuccess: { error: "ThrottlingException", rate: 0.05 },
  lambda: { rate: 0.03 },
  payments: { rate: 0.05 },
};

/** The result as text: operations, faults by kind, each invariant. */
export function soakReport(result: SoakResult, format: (r: InvariantResult[]) => string): string {
  const ops = Object.entries(result.driver.operations)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([k, n]) => `${k} ${n}`)
    .join(", ");
  const faults = Object.entries(result.faultsInjected)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([k, n]) => `${k} ${n}`)
    .join(", ");
  const answers = Object.entries(result.driver.answers)
    .filter(([k]) => !k.endsWith("2xx"))
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([k, n]) => `${k} ${n}`)
    .join(", ");
  return [
    `seed ${result.seed}: ${result.operationsDone} operations in ${result.seconds} s, ${result.lines} order lines, ${result.kills} SIGKILL restarts`,
    `operations: ${ops}`,
    `faults injected: ${faults || "none"}`,
    `answers other than 2xx: ${answers || "none"}`,
    format(result.invariants),
  ].join("\n");
}
