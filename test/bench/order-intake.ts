/**
 * `npm run bench`: order intake on the local stack. Measures latency and throughput of
 * `POST /v1/orders` (quiet SKUs and one hot SKU under concurrency) and estimates the AWS
 * cost of a backordered line from what it actually caused: items written, state
 * transitions of its execution up to parking, emails sent.
 *
 * Local latencies are of the emulators on this machine, not of AWS; compare runs with each
 * other. Never used as a pass/fail test.
 */
import { randomUUID } from "node:crypto";
import { rmSync } from "node:fs";
import { GetExecutionHistoryCommand, SFNClient } from "@aws-sdk/client-sfn";
import { startStackProcess } from "../e2e/stack-process.ts";
import { TestTable } from "../support/table.ts";

const ORDERS = Number(process.env.BENCH_ORDERS ?? 200);
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 20);
/** Waiting lines a single receipt fills in the allocation scenario. */
const RECEIPT_LINES = Number(process.env.BENCH_RECEIPT_LINES ?? 300);

/** AWS list prices, us-east-1 (design notes). */
const PRICE = {
  /** On-demand write request unit. */
  dynamoWrite: 0.625 / 1_000_000,
  dynamoRead: 0.125 / 1_000_000,
  stateTransition: 0.025 / 1_000,
  email: 0.1 / 1_000,
};

const KEY = "local-storefront-key";

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  const index = Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1);
  return sorted[Math.max(0, index)] as number;
}

async function runPool<T>(count: number, concurrency: number, task: (i: number) => Promise<T>) {
  const results: T[] = [];
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < count) {
        const i = next++;
        results[i] = await task(i);
      }
    }),
  );
  return results;
}

async function main() {
  console.log("starting the local stack …");
  const stack = await startStackProcess({ fresh: true });
  const base = stack.manifest.urls.api;
  const call = async (method: string, path: string, body?: unknown, headers = {}) => {
    const started = performance.now();
    const res = await fetch(`${base}${path}`, {
      method,
      headers: { authorization: `Bearer ${KEY}`, ...headers },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const json = (await res.json().catch(() => null)) as Record<string, unknown> | null;
    return { status: res.status, json, ms: performance.now() - started };
  };
  const order = (sku: string, qty: number) => ({
    orderRef: `BENCH-${randomUUID().slice(0, 8)}`,
    customer: { email: `bench-${randomUUID().slice(0, 8)}@example.com`, name: "Bench" },
    shippingAddress: { line1: "1 Main St", city: "Springfield", postalCode: "1", country: "US" },
    payment: { provider: "sandbox", customerRef: "cus_1", paymentMethodRef: "pm_card_visa" },
    currency: "USD",
    lines: [{ lineRef: "1", sku, qty, unitPrice: 1000 }],
  });

  try {
    // 1. Quiet SKUs: each order backorders one line of its own SKU.
    const skus = Array.from({ length: 20 }, (_, i) => `BENCH-${i}`);
    for (const sku of skus) {
      await call("PUT", `/v1/skus/${sku}`, {
        name: sku,
        onHand: 0,
        backorder: { allowed: true, leadTimeDays: 14 },
      });
    }
    const startedAt = performance.now();
    const quiet = await runPool(ORDERS, CONCURRENCY, (i) =>
      call("POST", "/v1/orders", order(skus[i % skus.length] as string, 1), {
        "idempotency-key": randomUUID(),
      }),
    );
    const quietSeconds = (performance.now() - startedAt) / 1000;

    // 2. One hot SKU: everyone wants it at once; 10 % of orders can be served.
    await call("PUT", "/v1/skus/BENCH-HOT", {
      name: "hot",
      onHand: ORDERS / 10,
      backorder: { allowed: false },
    });
    const hot = await runPool(ORDERS, CONCURRENCY, () =>
      call("POST", "/v1/orders", order("BENCH-HOT", 1), { "idempotency-key": randomUUID() }),
    );
    const hotSold = hot.filter((r) => r.status === 201).length;

    // 3. One receipt for a long waiting queue: batched allocation, one unit per line.
    await call("PUT", "/v1/skus/BENCH-QUEUE", {
      name: "queue",
      onHand: 0,
      backorder: { allowed: true },
    });
    await runPool(RECEIPT_LINES, CONCURRENCY, () =>
      call("POST", "/v1/orders", order("BENCH-QUEUE", 1), { "idempotency-key": randomUUID() }),
    );
    const receipt = await call(
      "POST",
      "/v1/receipts",
      { receiptId: `BENCH-${randomUUID()}`, lines: [{ sku: "BENCH-QUEUE", qty: RECEIPT_LINES }] },
      { authorization: "Bearer local-warehouse-key" },
    );
    const filled = (receipt.json?.allocations as unknown[] | undefined)?.length ?? 0;

    // 4. What one backordered line cost: items written, transitions, emails.
    const sample = quiet.find((r) => r.status === 201)?.json as {
      orderId: string;
      lines: { lineId: string }[];
    };
    process.env.AWS_REGION = "us-east-1";
    process.env.AWS_ACCESS_KEY_ID = "local";
    process.env.AWS_SECRET_ACCESS_KEY = "local";
    process.env.AWS_ENDPOINT_URL_DYNAMODB = stack.manifest.urls.dynamodb;
    const store = new TestTable(stack.manifest.tableName);
    const items = (await store.scanAll()).filter(
      (i) => String(i.pk) === `ORDER#${sample.orderId}` || String(i.orderId) === sample.orderId,
    );
    const kb = (item: unknown) => Math.max(1, Math.ceil(JSON.stringify(item).length / 1024));
    // Intake writes order + line + idempotency record + SKU update in a transaction (2×);
    // the email writes its notification claim, then marks it sent and touches the line.
    const intakeUnits =
      2 *
      (items
        .filter((i) => i.type !== "notification")
        .map(kb)
        .reduce((a, b) => a + b, 0) +
        1);
    const emailUnits = 3 * items.filter((i) => i.type === "notification").length;
    const parkUnits = 1; // the task token written on parking
    const writeUnits = intakeUnits + emailUnits + parkUnits;
    const sfn = new SFNClient({
      endpoint: stack.manifest.urls.sfn,
      region: "us-east-1",
      credentials: { accessKeyId: "local", secretAccessKey: "local" },
    });
    const lineId = sample.lines[0]?.lineId as string;
    const history = await sfn.send(
      new GetExecutionHistoryCommand({
        executionArn: `${stack.manifest.lineStateMachineArn.replace(":stateMachine:", ":execution:")}:${lineId}`,
      }),
    );
    const transitions = (history.events ?? []).filter((e) => e.stateEnteredEventDetails).length;
    const emails = items.filter((i) => i.type === "notification").length;
    const cost =
      writeUnits * PRICE.dynamoWrite +
      4 * PRICE.dynamoRead +
      transitions * PRICE.stateTransition +
      emails * PRICE.email;

    const latencies = quiet.map((r) => r.ms).sort((a, b) => a - b);
    const hotLatencies = hot.map((r) => r.ms).sort((a, b) => a - b);
    const table = {
      "quiet SKUs: orders": ORDERS,
      "quiet SKUs: concurrency": CONCURRENCY,
      "quiet SKUs: 201s": quiet.filter((r) => r.status === 201).length,
      "quiet SKUs: orders/s": Number((ORDERS / quietSeconds).toFixed(1)),
      "quiet SKUs: p50 ms": Math.round(percentile(latencies, 50)),
      "quiet SKUs: p95 ms": Math.round(percentile(latencies, 95)),
      "quiet SKUs: p99 ms": Math.round(percentile(latencies, 99)),
      "hot SKU: sold / stock": `${hotSold} / ${ORDERS / 10}`,
      "hot SKU: p50 ms": Math.round(percentile(hotLatencies, 50)),
      "hot SKU: p95 ms": Math.round(percentile(hotLatencies, 95)),
      "receipt: waiting lines filled": `${filled} / ${RECEIPT_LINES}`,
      "receipt: ms": Math.round(receipt.ms),
      "backordered line: DynamoDB write units (est.)": writeUnits,
      "backordered line: state transitions to parked": transitions,
      "backordered line: emails": emails,
      "backordered line: AWS cost to parked, USD (est.)": cost.toFixed(6),
    };
    console.table(table);
    if (filled !== RECEIPT_LINES) {
      console.error("the receipt did not fill every waiting line");
      process.exitCode = 1;
    }
    if (hotSold !== ORDERS / 10) {
      console.error("the hot SKU sold a different number of units than it had");
      process.exitCode = 1;
    }
  } finally {
    await stack.stop();
    rmSync(stack.dataDir, { recursive: true, force: true });
  }
}

await main();
