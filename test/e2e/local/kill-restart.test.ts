import { randomUUID } from "node:crypto";
import { readFileSync, rmSync } from "node:fs";
import { DescribeExecutionCommand, SFNClient } from "@aws-sdk/client-sfn";
import { afterAll, describe, expect, it } from "vitest";
import { TestTable } from "../../support/table.ts";
import { type RunningStack, startStackProcess } from "../stack-process.ts";
import { eventually, keys, orderBody } from "../support.ts";

/**
 * The local stack killed (SIGKILL) while hundreds of lines wait, then started again: every
 * execution that was running is aborted by the restart, its "execution stopped" event is
 * delivered once the stack is up, and each line runs again on a new execution; stock then
 * reaches every one of them.
 */
const started: RunningStack[] = [];
afterAll(async () => {
  for (const stack of started) await stack.stop();
  if (started[0]) rmSync(started[0].dataDir, { recursive: true, force: true });
});

/** How long orders are placed for, and at how many at once. */
const PLACING_MS = 30_000;
const CONCURRENCY = 6;
const MIN_LINES = 200;
const SKUS = ["KILL-A", "KILL-B", "KILL-C"];

interface PlacedLine {
  orderId: string;
  lineId: string;
  sku: string;
}

function client(stack: RunningStack) {
  return async (path: string, init: { method?: string; body?: unknown; key?: string } = {}) => {
    const headers: Record<string, string> = {
      authorization: `Bearer ${init.key ?? keys.storefront}`,
    };
    if (path === "/v1/orders") headers["idempotency-key"] = randomUUID();
    const res = await fetch(`${stack.manifest.urls.api}${path}`, {
      method: init.method ?? "GET",
      headers,
      body: init.body === undefined ? undefined : JSON.stringify(init.body),
    });
    const text = await res.text();
    return {
      status: res.status,
      text,
      json: (text ? JSON.parse(text) : {}) as Record<string, unknown>,
    };
  };
}

async function idle(stack: RunningStack, timeoutMs = 120_000): Promise<void> {
  const res = await fetch(`${stack.manifest.urls.api}/_local/idle?timeoutMs=${timeoutMs}`);
  if (res.status !== 200) throw new Error(`the stack did not become idle: ${await res.text()}`);
}

describe("a stack killed while hundreds of lines wait", () => {
  it("runs every line again after the restart, and stock then reaches them all", async () => {
    const first = await startStackProcess({ fresh: true });
    started.push(first);
    process.env.AWS_REGION = "us-east-1";
    process.env.AWS_ACCESS_KEY_ID = "local";
    process.env.AWS_SECRET_ACCESS_KEY = "local";
    process.env.AWS_ENDPOINT_URL_DYNAMODB = first.manifest.urls.dynamodb;
    const store = new TestTable(first.manifest.tableName);
    const sfn = new SFNClient({
      endpoint: first.manifest.urls.sfn,
      region: "us-east-1",
      credentials: { accessKeyId: "local", secretAccessKey: "local" },
    });
    const executionArn = (name: string) =>
      `${first.manifest.lineStateMachineArn.replace(":stateMachine:", ":execution:")}:${name}`;
    let api = client(first);
    for (const sku of SKUS) {
      const res = await api(`/v1/skus/${sku}`, {
        method: "PUT",
        body: { name: sku, onHand: 0, backorder: { allowed: true } },
      });
      expect(res.status, res.text).toBe(201);
    }

    // Orders of one, two and three lines (each its own SKU), placed for PLACING_MS.
    const lines: PlacedLine[] = [];
    const multiLineOrders = new Set<string>();
    // For PLACING_MS, and on until there are MIN_LINES however loaded the machine is
    // (at most four times as long).
    const placingFrom = Date.now();
    const placing = () => {
      const elapsed = Date.now() - placingFrom;
      return elapsed < PLACING_MS || (lines.length < MIN_LINES && elapsed < 4 * PLACING_MS);
    };
    let n = 0;
    const placeUntilTime = async () => {
      while (placing()) {
        const size = (n++ % 3) + 1;
        const body = orderBody(
          SKUS.slice(0, size).map((sku, i) => ({ lineRef: String(i + 1), sku, qty: 1 })),
        );
        const res = await api("/v1/orders", { method: "POST", body });
        expect(res.status, res.text).toBe(201);
        const orderId = String(res.json.orderId);
        for (const line of res.json.lines as { lineId: string; sku: string; status: string }[]) {
          expect(line.status).toBe("backordered");
          lines.push({ orderId, lineId: line.lineId, sku: line.sku });
        }
        if (size > 1) multiLineOrders.add(orderId);
      }
    };
    await Promise.all(Array.from({ length: CONCURRENCY }, placeUntilTime));
    expect(lines.length).toBeGreaterThanOrEqual(MIN_LINES);
    expect(multiLineOrders.size).toBeGreaterThan(10);
    await idle(first);

    // Every line is waiting for stock on its first execution. Then the plug is pulled.
    const sample = lines.filter((_, i) => i % 25 === 0);
    for (const { lineId } of sample) {
      const out = await sfn.send(
        new DescribeExecutionCommand({ executionArn: executionArn(lineId) }),
      );
      expect(out.status).toBe("RUNNING");
    }
    await first.kill();

    const second = await startStackProcess({ ports: first.ports, dataDir: first.dataDir });
    started.push(second);
    api = client(second);
    await idle(second);

    // No line is left on an aborted execution: each runs on a newer one, parked again.
    const stillStopped: string[] = [];
    for (const { orderId, lineId } of lines) {
      const line = await store.getLine(orderId, lineId);
      const current = line?.executionName ?? lineId;
      const out = await sfn.send(
        new DescribeExecutionCommand({ executionArn: executionArn(current) }),
      );
      if (current === lineId || out.status !== "RUNNING") {
        stillStopped.push(`${lineId}: ${current} ${out.status}`);
      }
    }
    expect(stillStopped).toEqual([]);
    const first5 = lines.slice(0, 5);
    for (const { lineId } of first5) {
      const out = await sfn.send(
        new DescribeExecutionCommand({ executionArn: executionArn(lineId) }),
      );
      expect(out).toMatchObject({ status: "ABORTED", error: "Local.StackRestarted" });
    }

    // Stock for every line arrives: all are allocated, charged and handed to the warehouse.
    for (const sku of SKUS) {
      const qty = lines.filter((l) => l.sku === sku).length;
      const body = { receiptId: `RCV-${randomUUID()}`, lines: [{ sku, qty }] };
      // Right after the restart, with every line's execution restarting at once, a receipt
      // has been seen to answer 500 ("safe to retry"; an open defect, see the README). The
      // warehouse retries it, as the contract allows: a receipt is idempotent by its id.
      let res = await api("/v1/receipts", { method: "POST", key: keys.warehouse, body });
      for (let retry = 0; retry < 3 && res.status >= 500; retry++) {
        // Said, with what the stack logged as errors meanwhile, so its cause can be read.
        console.warn(
          `receipt answered ${res.status}: ${res.text}\n${errorsLogged(second.logFile)}`,
        );
        await new Promise((r) => setTimeout(r, 2_000));
        res = await api("/v1/receipts", { method: "POST", key: keys.warehouse, body });
      }
      expect([200, 202], res.text).toContain(res.status);
    }
    await eventually(
      async () => {
        await idle(second);
        const statuses = await Promise.all(
          lines.map(async (l) => (await store.getLine(l.orderId, l.lineId))?.status),
        );
        return statuses.every((s) => s === "shipment_requested") || undefined;
      },
      {
        what: "every line to be charged and handed to the warehouse",
        timeoutMs: 180_000,
        intervalMs: 500,
      },
    );
    const statuses = await Promise.all(
      lines.map(async (l) => (await store.getLine(l.orderId, l.lineId))?.status),
    );
    expect(statuses.filter((s) => s === "allocated")).toEqual([]);
    sfn.destroy();
  }, 420_000);
});

/** The stack log's warnings and errors (its last 40), one a line. */
function errorsLogged(logFile: string): string {
  return readFileSync(logFile, "utf8")
    .split("\n")
    .filter((line) => /"level":"(WARN|ERROR)"/.test(line))
    .slice(-40)
    .join("\n");
}
