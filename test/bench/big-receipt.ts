/**
 * A big day: one receipt of N units for N waiting lines of one SKU (10,000 by default), on
 * a stack whose limits are AWS's. Measured from the client and counted on the stack:
 * - time until the receipt is done, until every line is `shipment_requested` (charged),
 *   and until every email of theirs has gone;
 * - DynamoDB write requests per allocated line made by the receipt's own work (the
 *   `post-receipt` and `run-bulk-job` functions, counted by the SDK meter);
 * - state transitions per line (execution histories of a sample of lines);
 * - failures: failed executions, lines not requested, lines not charged exactly once.
 */
import { randomUUID } from "node:crypto";
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { ListExecutionsCommand } from "@aws-sdk/client-sfn";
import { DynamoDBDocumentClient, ScanCommand } from "@aws-sdk/lib-dynamodb";
import type { MeterReading } from "../../shared/adapters/meter.ts";
import {
  type BenchStack,
  KEYS,
  localSfn,
  orderOf,
  requestedShipments,
  runPool,
  secondsSince,
  transitionsOf,
} from "./harness.ts";

export const RECEIPT_LINES = Number(process.env.BENCH_RECEIPT_LINES ?? 10_000);
const INTAKE_CONCURRENCY = Number(process.env.BENCH_RECEIPT_INTAKE_CONCURRENCY ?? 16);
/** Lines whose execution histories are read for their transitions. */
/** Seconds between two counts of the requested shipments until the end is near. */
const COUNT_EVERY_S = 20;
const HISTORY_SAMPLE = Number(process.env.BENCH_HISTORY_SAMPLE ?? 100);
/** Gives up waiting after this long (the figures then say how far it got). */
const WAIT_LIMIT_MS = Number(process.env.BENCH_RECEIPT_WAIT_MINUTES ?? 30) * 60_000;

const WAREHOUSE = { authorization: `Bearer ${KEYS.warehouse}` };
const LOCAL = { accessKeyId: "local", secretAccessKey: "local" };

type Meter = MeterReading & { lambda: Record<string, number> };

export interface BigReceipt {
  lines: number;
  placed: number;
  intakeSeconds: number;
  receiptStatus: number;
  receiptDoneSeconds: number | null;
  allRequestedSeconds: number | null;
  allEmailsSeconds: number | null;
  requested: number;
  chargedOnce: number;
  chargedMoreThanOnce: number;
  emailsSent: number;
  receiptWriteRequests: number;
  writesPerAllocatedLine: number;
  transitionsPerLine: number;
  historySample: number;
  failedExecutions: number;
  failures: number;
}

export async function bigReceipt({ manifest, call, idle }: BenchStack): Promise<BigReceipt> {
  const sku = `BIG-${randomUUID().slice(0, 6)}`;
  await call("PUT", `/v1/skus/${sku}`, {
    name: "container",
    onHand: 0,
    backorder: { allowed: true, leadTimeDays: 30 },
  });

  console.log(`  placing ${RECEIPT_LINES} backordered orders …`);
  const intakeStarted = performance.now();
  const orders = await runPool(RECEIPT_LINES, INTAKE_CONCURRENCY, () =>
    call("POST", "/v1/orders", orderOf(sku), { "idempotency-key": randomUUID() }),
  );
  const intakeSeconds = secondsSince(intakeStarted);
  const placed = orders.filter((o) => o.status === 201).length;
  console.log(`  ${placed} placed in ${intakeSeconds} s; waiting for every line to park …`);
  await idle(WAIT_LIMIT_MS);

  const meterUrl = `${manifest.urls.api}/_local/meter`;
  const meter = async () => (await (await fetch(meterUrl)).json()) as Meter;
  await fetch(meterUrl, { method: "DELETE" });

  console.log(`  one receipt of ${RECEIPT_LINES} units …`);
  const started = performance.now();
  const receipt = await call(
    "POST",
    "/v1/receipts",
    { receiptId: `BIG-${randomUUID()}`, lines: [{ sku, qty: RECEIPT_LINES }] },
    WAREHOUSE,
  );
  const location =
    receipt.headers.get("location") ?? `/v1/receipts/${String(receipt.json?.receiptId)}`;

  let receiptDoneSeconds: number | null = receipt.status === 200 ? secondsSince(started) : null;
  let allRequestedSeconds: number | null = null;
  let allEmailsSeconds: number | null = null;
  let requested = 0;
  let emailsSent = 0;
  let nextCount = 0;
  const deadline = Date.now() + WAIT_LIMIT_MS;
  while (
    Date.now() < deadline &&
    (receiptDoneSeconds === null || allRequestedSeconds === null || allEmailsSeconds === null)
  ) {
    await new Promise((r) => setTimeout(r, 2_000));
    if (receiptDoneSeconds === null) {
      const head = await call("GET", `${location}?limit=1`, undefined, WAREHOUSE);
      if (head.json?.status === "done") receiptDoneSeconds = secondsSince(started);
    }
    // Each line's `charged` email (the backordered ones went before the meter was reset).
    emailsSent = (await meter()).calls.ses?.SendEmail ?? 0;
    // Counting the requested shipments pages through all of them, work that grows with
    // their number: done every COUNT_EVERY_S while the emails (sent just after each request)
    // say most are to come, every poll near the end, so the count does not slow the run.
    const nearEnd = emailsSent >= placed * 0.95;
    if (allRequestedSeconds === null && (nearEnd || Date.now() >= nextCount)) {
      nextCount = Date.now() + COUNT_EVERY_S * 1000;
      requested = await countRequested(call, sku);
      if (requested >= placed) allRequestedSeconds = secondsSince(started);
    }
    if (allEmailsSeconds === null && emailsSent >= placed) allEmailsSeconds = secondsSince(started);
    console.log(
      `  ${secondsSince(started)} s: receipt ${receiptDoneSeconds === null ? "processing" : "done"}, ${requested} requested, ${emailsSent} emails`,
    );
  }
  await idle(WAIT_LIMIT_MS);
  const counted = await meter();

  const writeOps = ["PutItem", "UpdateItem", "DeleteItem", "TransactWriteItems", "BatchWriteItem"];
  const receiptWriteRequests = ["post-receipt", "run-bulk-job"]
    .map((fn) => counted.byFunction?.[fn] ?? {})
    .flatMap((ops) => writeOps.map((op) => ops[op] ?? 0))
    .reduce((a, b) => a + b, 0);

  const lines = await scanLines(manifest, sku);
  const chargedOnce = lines.filter((l) => l.chargeAttempts === 1 && l.charge).length;
  const chargedMoreThanOnce = lines.filter((l) => Number(l.chargeAttempts ?? 0) > 1).length;
  const requestedLines = lines.filter((l) => l.status === "shipment_requested").length;

  const sfn = localSfn(manifest);
  let transitions = 0;
  const sample = lines.slice(0, HISTORY_SAMPLE);
  for (const line of sample) transitions += await transitionsOf(sfn, manifest, line.lineId);
  let failedExecutions = 0;
  let nextToken: string | undefined;
  do {
    const page = await sfn.send(
      new ListExecutionsCommand({
        stateMachineArn: manifest.lineStateMachineArn,
        statusFilter: "FAILED",
        maxResults: 1000,
        nextToken,
      }),
    );
    failedExecutions += page.executions?.length ?? 0;
    nextToken = page.nextToken;
  } while (nextToken);
  sfn.destroy();

  const allocated = lines.filter((l) => l.status !== "backordered").length;
  return {
    lines: RECEIPT_LINES,
    placed,
    intakeSeconds,
    receiptStatus: receipt.status,
    receiptDoneSeconds,
    allRequestedSeconds,
    allEmailsSeconds,
    requested: requestedLines,
    chargedOnce,
    chargedMoreThanOnce,
    emailsSent: counted.calls.ses?.SendEmail ?? 0,
    receiptWriteRequests,
    writesPerAllocatedLine: Number((receiptWriteRequests / Math.max(1, allocated)).toFixed(3)),
    transitionsPerLine: Number((transitions / Math.max(1, sample.length)).toFixed(1)),
    historySample: sample.length,
    failedExecutions,
    failures:
      failedExecutions + (placed - requestedLines) + (placed - chargedOnce) + chargedMoreThanOnce,
  };
}

/** Requested shipments of the SKU's orders. */
async function countRequested(call: BenchStack["call"], sku: string): Promise<number> {
  const shipments = await requestedShipments<{ lines?: { sku?: string }[] }>(call);
  return shipments.filter((s) => s.lines?.some((l) => l.sku === sku)).length;
}

interface StoredLine {
  lineId: string;
  status: string;
  chargeAttempts?: number;
  charge?: unknown;
}

/** The SKU's lines as stored (a scan of the local table: the bench's own check). */
async function scanLines(manifest: BenchStack["manifest"], sku: string): Promise<StoredLine[]> {
  const doc = DynamoDBDocumentClient.from(
    new DynamoDBClient({
      endpoint: manifest.urls.dynamodb,
      region: "us-east-1",
      credentials: LOCAL,
    }),
  );
  const lines: StoredLine[] = [];
  let key: Record<string, unknown> | undefined;
  do {
    const out = await doc.send(
      new ScanCommand({
        TableName: manifest.tableName,
        FilterExpression: "#type = :line AND sku = :sku",
        ExpressionAttributeNames: { "#type": "type" },
        ExpressionAttributeValues: { ":line": "line", ":sku": sku },
        ExclusiveStartKey: key,
      }),
    );
    lines.push(...((out.Items ?? []) as StoredLine[]));
    key = out.LastEvaluatedKey;
  } while (key);
  doc.destroy();
  return lines;
}
