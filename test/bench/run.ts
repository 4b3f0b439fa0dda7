/**
 * `npm run bench`: the benchmarks, each on a fresh local stack of its own (stopped and
 * removed on every exit), with the figures printed and written to
 * `bench/results/latest.md`. Every figure is measured or counted on the stack (client
 * timings, the SDK meter, execution histories, the table), never estimated. Latencies are
 * the emulators' on this machine, not AWS's: compare runs with each other.
 *
 *   BENCH_ONLY=intake,hot,receipt,life,bundles   scenarios to run (all by default)
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { cpus, totalmem } from "node:os";
import { join } from "node:path";
import { repoRoot } from "../../infra/paths.ts";
import { type BigReceipt, bigReceipt, RECEIPT_LINES } from "./big-receipt.ts";
import { BUNDLE_TARGET_KB, type BundleFigures, bundleFigures, INIT_TARGET_MS } from "./bundles.ts";
import { cleanUp, withStack } from "./harness.ts";
import { type HotSku, hotSku, type IntakeLevel, intakeLevels } from "./intake.ts";
import { lineLives } from "./line-life.ts";

const ONLY = new Set(
  (process.env.BENCH_ONLY ?? "intake,hot,receipt,life,bundles").split(",").map((s) => s.trim()),
);

/**
 * The big receipt runs at AWS's limits (the local stack's defaults: Step Functions quotas,
 * the gateway's 30 s, each function's timeout), with the engine's rates set to what a
 * shop's accounts allow on a big day: Stripe live mode (100/s) and an SES account whose
 * MaxSendRate was raised (100/s by default here; a new account's 14/s makes 20,000 emails
 * take 24 minutes, which is the rate's doing, not the code's). The provider stand-ins are
 * limited at the same rates.
 */
const PAYMENT_RATE = process.env.BENCH_PAYMENT_RATE ?? "100";
const EMAIL_RATE = process.env.BENCH_EMAIL_RATE ?? "100";
const receiptEnv = {
  BACKORDER_RATE_PAYMENTS: PAYMENT_RATE,
  BACKORDER_RATE_EMAILS: EMAIL_RATE,
  BACKORDER_LOCAL_LIMITS: JSON.stringify({
    payments: { perSecond: Number(PAYMENT_RATE) },
    ses: { perSecond: Number(EMAIL_RATE) },
  }),
};

interface Results {
  intake?: IntakeLevel[];
  hot?: HotSku;
  receipt?: BigReceipt;
  life?: Record<string, string | number>;
  bundles?: BundleFigures[];
}

async function main() {
  const results: Results = {};
  let failed = false;
  const started = new Date();

  if (ONLY.has("intake") || ONLY.has("hot") || ONLY.has("life")) {
    await withStack({}, async (stack) => {
      if (ONLY.has("intake")) {
        console.log("intake at concurrency 1, 8 and 32 …");
        results.intake = await intakeLevels(stack);
        console.table(results.intake);
      }
      if (ONLY.has("hot")) {
        console.log("a hot SKU …");
        results.hot = await hotSku(stack);
        console.table([results.hot]);
        if (!results.hot.exact) {
          console.error("the hot SKU did not sell exactly its stock");
          failed = true;
        }
      }
      if (ONLY.has("life")) {
        console.log("a backordered line's whole life, counted …");
        const life = await lineLives(stack.call, stack.manifest);
        results.life = life.table;
        console.table(life.table);
        if (!life.allDelivered) {
          console.error("not every line of the life scenario was delivered");
          failed = true;
        }
      }
    });
  }

  if (ONLY.has("bundles")) {
    console.log("each function's bundle: size and module init …");
    results.bundles = bundleFigures();
    console.table(results.bundles);
  }

  if (ONLY.has("receipt")) {
    console.log(`one receipt for ${RECEIPT_LINES} waiting lines …`);
    results.receipt = await withStack(receiptEnv, bigReceipt);
    console.table([results.receipt]);
    if (results.receipt.failures > 0) {
      console.error("the big receipt had failures");
      failed = true;
    }
  }

  const file = join(repoRoot, "bench", "results", "latest.md");
  mkdirSync(join(repoRoot, "bench", "results"), { recursive: true });
  writeFileSync(file, report(results, started));
  console.log(`written to bench/results/latest.md`);
  if (failed) process.exitCode = 1;
}

function table(rows: Record<string, unknown>[]): string {
  const first = rows[0];
  if (!first) return "";
  const heads = Object.keys(first);
  return [
    `| ${heads.join(" | ")} |`,
    `| ${heads.map(() => "---").join(" | ")} |`,
    ...rows.map((r) => `| ${heads.map((h) => String(r[h] ?? "")).join(" | ")} |`),
  ].join("\n");
}

function report(results: Results, started: Date): string {
  const machine = `${cpus().length} CPUs (${cpus()[0]?.model ?? "?"}), ${Math.round(totalmem() / 2 ** 30)} GiB, Node ${process.version}`;
  const parts = [
    "# Benchmark results (latest run)",
    "",
    `Run ${started.toISOString()} by \`npm run bench\` on ${machine}. Every figure was measured`,
    "or counted on the local stack (client timings, the SDK meter, execution histories, the",
    "table); latencies are the emulators' on this machine, where every function, the Step",
    "Functions endpoint and SES share one Node process, not AWS's.",
  ];
  if (results.intake) {
    parts.push(
      "",
      "## Order intake (`POST /v1/orders`, ms)",
      "",
      table(results.intake.map((level) => ({ ...level }))),
    );
  }
  if (results.hot) {
    parts.push(
      "",
      "## One hot SKU",
      "",
      `${results.hot.orders} orders for one SKU with ${results.hot.stock} units, at concurrency ${results.hot.concurrency}.`,
      "",
      table([{ ...results.hot }]),
    );
  }
  if (results.receipt) {
    const r = results.receipt;
    parts.push(
      "",
      `## One receipt for ${r.lines} waiting lines`,
      "",
      `Limits at AWS's defaults; payments at ${PAYMENT_RATE}/s, emails at ${EMAIL_RATE}/s (engine and stand-ins).`,
      "Times are seconds from the receipt's POST.",
      "",
      table([
        { figure: "orders placed (intake seconds)", value: `${r.placed} (${r.intakeSeconds} s)` },
        { figure: "receipt answered", value: r.receiptStatus },
        { figure: "receipt done", value: r.receiptDoneSeconds ?? "not within the limit" },
        {
          figure: "every line shipment_requested",
          value: r.allRequestedSeconds ?? "not within the limit",
        },
        { figure: "every charged email sent", value: r.allEmailsSeconds ?? "not within the limit" },
        { figure: "lines shipment_requested", value: r.requested },
        { figure: "lines charged exactly once", value: r.chargedOnce },
        { figure: "lines charged more than once", value: r.chargedMoreThanOnce },
        { figure: "emails sent after the receipt", value: r.emailsSent },
        {
          figure: "DynamoDB write requests by the receipt's own work",
          value: r.receiptWriteRequests,
        },
        { figure: "… per allocated line (target ≤ 1.2)", value: r.writesPerAllocatedLine },
        {
          figure: `state transitions per line (histories of ${r.historySample} lines)`,
          value: r.transitionsPerLine,
        },
        { figure: "failed executions", value: r.failedExecutions },
        { figure: "failures in all (target 0)", value: r.failures },
      ]),
    );
  }
  if (results.life) {
    parts.push(
      "",
      "## A backordered line's whole life, counted",
      "",
      table(Object.entries(results.life).map(([figure, value]) => ({ figure, value }))),
    );
  }
  if (results.bundles) {
    const rows = results.bundles;
    const within = rows.filter((b) => b["within target"] === "size yes, init yes");
    const initWithin = rows.filter((b) => b["within target"].endsWith("init yes"));
    parts.push(
      "",
      "## Each function's bundle",
      "",
      "The bundles `cdk synth` made (minified; each carries the AWS SDK clients its access",
      "uses, at the version package-lock.json pins), and the milliseconds a fresh Node process",
      "takes to import one (module init, a cold start's share before the handler runs), with",
      "the function's deployed NODE_OPTIONS.",
      `Targets: ≤ ${BUNDLE_TARGET_KB} KB and ≤ ${INIT_TARGET_MS} ms; ${within.length} of ${rows.length} functions within both, ${initWithin.length} of ${rows.length} within the init target.`,
      "",
      table(rows.map((b) => ({ ...b }))),
    );
  }
  return `${parts.join("\n")}\n`;
}

try {
  await main();
} finally {
  await cleanUp();
}
