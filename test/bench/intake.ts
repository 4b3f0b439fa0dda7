/**
 * Order intake: `POST /v1/orders` at concurrency 1, 8 and 32 (orders spread over quiet SKUs
 * with stock), and one hot SKU that thousands order at once. Latencies are the client's
 * (request sent → answer read), on this machine's emulators.
 */
import { randomUUID } from "node:crypto";
import {
  type Answer,
  type BenchStack,
  latencies,
  orderOf,
  runPool,
  secondsSince,
} from "./harness.ts";

const INTAKE_ORDERS = Number(process.env.BENCH_INTAKE_ORDERS ?? 300);
const INTAKE_LEVELS = (process.env.BENCH_INTAKE_CONCURRENCY ?? "1,8,32").split(",").map(Number);
const HOT_ORDERS = Number(process.env.BENCH_HOT_ORDERS ?? 2000);
const HOT_CONCURRENCY = Number(process.env.BENCH_HOT_CONCURRENCY ?? 50);
/** Units the hot SKU has: a tenth of the orders can be served. */
const HOT_STOCK = Math.floor(HOT_ORDERS / 10);

export interface IntakeLevel {
  concurrency: number;
  orders: number;
  created: number;
  ordersPerSecond: number;
  p50: number;
  p99: number;
  max: number;
}

export interface HotSku {
  orders: number;
  concurrency: number;
  stock: number;
  sold: number;
  refused: number;
  other: number;
  ordersPerSecond: number;
  p50: number;
  p99: number;
  /** What the SKU says afterwards (`available`): none left, none oversold. */
  availableAfter: number | null;
  exact: boolean;
}

const placed = (a: Answer) => a.status === 201;

export async function intakeLevels({ call, idle }: BenchStack): Promise<IntakeLevel[]> {
  const skus = Array.from({ length: 32 }, (_, i) => `INTAKE-${i}-${randomUUID().slice(0, 4)}`);
  for (const sku of skus) {
    await call("PUT", `/v1/skus/${sku}`, {
      name: sku,
      onHand: 1_000_000,
      backorder: { allowed: true, leadTimeDays: 14 },
    });
  }
  // A warm-up, as a deployed API would have had: the first call loads every module.
  await runPool(20, 4, (i) =>
    call("POST", "/v1/orders", orderOf(skus[i % skus.length] as string), {
      "idempotency-key": randomUUID(),
    }),
  );
  await idle();
  const levels: IntakeLevel[] = [];
  for (const concurrency of INTAKE_LEVELS) {
    const started = performance.now();
    const answers = await runPool(INTAKE_ORDERS, concurrency, (i) =>
      call("POST", "/v1/orders", orderOf(skus[i % skus.length] as string), {
        "idempotency-key": randomUUID(),
      }),
    );
    const seconds = secondsSince(started);
    levels.push({
      concurrency,
      orders: INTAKE_ORDERS,
      created: answers.filter(placed).length,
      ordersPerSecond: Number((INTAKE_ORDERS / seconds).toFixed(1)),
      ...latencies(answers),
    });
    // The lines' executions finish before the next level, so each level meets a quiet stack.
    await idle();
  }
  return levels;
}

export async function hotSku({ call, idle }: BenchStack): Promise<HotSku> {
  const sku = `HOT-${randomUUID().slice(0, 6)}`;
  await call("PUT", `/v1/skus/${sku}`, {
    name: "hot",
    onHand: HOT_STOCK,
    backorder: { allowed: false },
  });
  const started = performance.now();
  const answers = await runPool(HOT_ORDERS, HOT_CONCURRENCY, () =>
    call("POST", "/v1/orders", orderOf(sku), { "idempotency-key": randomUUID() }),
  );
  const seconds = secondsSince(started);
  await idle();
  const after = await call("GET", `/v1/skus/${sku}`);
  const availableAfter = typeof after.json?.available === "number" ? after.json.available : null;
  const sold = answers.filter(placed).length;
  const refused = answers.filter((a) => a.status === 409).length;
  const { p50, p99 } = latencies(answers);
  return {
    orders: HOT_ORDERS,
    concurrency: HOT_CONCURRENCY,
    stock: HOT_STOCK,
    sold,
    refused,
    other: HOT_ORDERS - sold - refused,
    ordersPerSecond: Number((HOT_ORDERS / seconds).toFixed(1)),
    p50,
    p99,
    availableAfter,
    exact: sold === HOT_STOCK && refused === HOT_ORDERS - HOT_STOCK && availableAfter === 0,
  };
}
