/**
 * `npm run bench`: order intake on the local stack. Measures latency and throughput of
 * `POST /v1/orders` (quiet SKUs and one hot SKU under concurrency), a receipt for a long
 * queue, and prices a backordered line's whole life from what it was counted to cause
 * (test/bench/line-life.ts).
 *
 * Local latencies are of the emulators on this machine, not of AWS; compare runs with each
 * other. Never used as a pass/fail test.
 */
import { randomUUID } from "node:crypto";
import { rmSync } from "node:fs";
import { startStackProcess } from "../e2e/stack-process.ts";
import { lineLives } from "./line-life.ts";

const ORDERS = Number(process.env.BENCH_ORDERS ?? 200);
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 20);
/** Waiting lines a single receipt fills in the allocation scenario. */
const RECEIPT_LINES = Number(process.env.BENCH_RECEIPT_LINES ?? 300);

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

    // 4. What a backordered line's whole life costs, counted: LIFE_LINES lines ordered,
    // received, charged, shipped and delivered, with the meter reset before and read after
    // (SDK calls, DynamoDB's consumed capacity, Lambda invocations, emails) and each line's
    // state transitions read from its execution history. Schedules that ran meanwhile are
    // counted too: they are part of what the lines cost.
    const life = await lineLives(call, stack.manifest);
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
      ...life.table,
    };
    console.table(table);
    if (filled !== RECEIPT_LINES) {
      console.error("the receipt did not fill every waiting line");
      process.exitCode = 1;
    }
    if (!life.allDelivered) {
      console.error("not every line of the life scenario was delivered");
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
