import { randomUUID } from "node:crypto";
import { SESv2Client, SendEmailCommand } from "@aws-sdk/client-sesv2";
import { GetExecutionHistoryCommand, SFNClient, StartExecutionCommand } from "@aws-sdk/client-sfn";
import { describe, expect, it } from "vitest";
import { ownStack } from "../own-stack.ts";
import {
  api,
  eventually,
  keys,
  newSku,
  orderBody,
  postOrder,
  putSku,
  settled,
} from "../support.ts";
import { advanceClock, emailsTo, localAdapters } from "./support-local.ts";

/**
 * Issue 11, "the local stack is as strict as AWS": with its limits set low, each is met
 * from outside as AWS's is: the gateway's cut (503), a function's own timeout (500 over
 * HTTP, Sandbox.Timedout in Step Functions), Step Functions' API throttling and SES's
 * sending rate. Limits and faults hold for the whole stack: a stack of its own.
 */
const LIMITS = {
  gatewayTimeoutMs: 2000,
  lambda: { timeoutSeconds: { "get-sku": 1, "advance-line": 5 } },
  sfn: { StartExecution: { bucket: 10, perSecond: 5 } },
  ses: { perSecond: 3 },
};
await ownStack({ env: { BACKORDER_LOCAL_LIMITS: JSON.stringify(LIMITS) } });
const { stack, store } = localAdapters();
const credentials = { accessKeyId: "local", secretAccessKey: "local" };
// One attempt per call, so each call meets the limit itself (the SDK would retry throttling).
const sfn = new SFNClient({
  endpoint: stack.urls.sfn,
  region: "us-east-1",
  credentials,
  maxAttempts: 1,
});
const ses = new SESv2Client({
  endpoint: stack.urls.ses,
  region: "us-east-1",
  credentials,
  maxAttempts: 1,
});

const setFaults = async (body: unknown) => {
  const res = await api("/_local/faults", { method: "PUT", body });
  expect(res.status, res.text).toBe(200);
};

/** Calls `call` and says how long it took. */
async function timed<T>(call: () => Promise<T>): Promise<{ result: T; ms: number }> {
  const started = Date.now();
  const result = await call();
  return { result, ms: Date.now() - started };
}

describe("the local stack's AWS limits, set low", () => {
  it("shows the limits in force: the configured ones over AWS's, each function's own", async () => {
    const res = await api("/_local/limits");
    expect(res.status, res.text).toBe(200);
    expect(res.json.limits).toMatchObject({
      gatewayTimeoutMs: 2000,
      lambda: {
        timeouts: true,
        functions: {
          "get-sku": { timeoutSeconds: 1, memoryMB: 512 },
          "advance-line": { timeoutSeconds: 5, memoryMB: 512 },
          // From the template, untouched: CDK gives the receipt 60 s, the reconciler 300 s.
          "post-receipt": { timeoutSeconds: 30, memoryMB: 512 },
          "reconcile-orders": { timeoutSeconds: 300, memoryMB: 512 },
        },
      },
      sfn: {
        StartExecution: { bucket: 10, perSecond: 5 },
        SendTaskSuccess: { bucket: 3000, perSecond: 500 },
        DescribeExecution: { bucket: 300, perSecond: 15 },
      },
      ses: { perSecond: 3, burst: 3 },
      payments: { perSecond: 25, burst: 25 },
      // Each function held to its role in the template (infra/local/iam.ts).
      iam: true,
    });
    expect((await api("/_local/limits", { method: "PUT", body: {} })).status).toBe(405);
  });

  it("cuts a call the function has not answered within the gateway's timeout with 503; the function goes on", async () => {
    const sku = newSku();
    await setFaults({ latency: { functions: ["put-sku"], ms: 3500, count: 1 } });
    const { result: cut, ms } = await timed(() =>
      api(`/v1/skus/${sku}`, {
        method: "PUT",
        key: keys.storefront,
        body: { name: "W", onHand: 7 },
      }),
    );
    expect(cut.status, cut.text).toBe(503);
    expect(cut.json).toEqual({ message: "Service Unavailable" });
    expect(ms).toBeGreaterThanOrEqual(1900);
    expect(ms).toBeLessThan(3400);
    // As on AWS the Lambda was not stopped: its write lands after the caller was told 503.
    const written = await eventually(
      async () => {
        const res = await api(`/v1/skus/${sku}`, { key: keys.storefront });
        return res.status === 200 && res.json;
      },
      { what: "the SKU the cut-off call went on to write" },
    );
    expect(written).toMatchObject({ sku, onHand: 7 });
  });

  it("answers 500 as API Gateway does when the function runs past its own timeout", async () => {
    const sku = newSku();
    await putSku(sku, { name: "W", onHand: 1 });
    await setFaults({ latency: { functions: ["get-sku"], ms: 1500, count: 1 } });
    const { result: failed, ms } = await timed(() =>
      api(`/v1/skus/${sku}`, { key: keys.storefront }),
    );
    expect(failed.status, failed.text).toBe(500);
    expect(failed.json).toEqual({ message: "Internal Server Error" });
    // At the function's 1 s, before the gateway's 2 s cut.
    expect(ms).toBeGreaterThanOrEqual(900);
    expect(ms).toBeLessThan(2000);
    expect((await api(`/v1/skus/${sku}`, { key: keys.storefront })).status).toBe(200);
  });

  it("fails a Step Functions task whose function timed out with Sandbox.Timedout; the machine retries it", async () => {
    const sku = newSku();
    await putSku(sku, { name: "W", onHand: 1 });
    // The first advance-line runs 6 s, past its 5 s.
    await setFaults({ latency: { functions: ["advance-line"], ms: 6000, count: 1 } });
    const placed = await postOrder(orderBody([{ lineRef: "1", sku, qty: 1 }]));
    expect(placed.status, placed.text).toBe(201);
    const orderId = String(placed.json.orderId);
    const lineId = String((placed.json.lines as { lineId: string }[])[0]?.lineId);
    const executionArn = `${stack.lineStateMachineArn.replace(":stateMachine:", ":execution:")}:${lineId}`;
    const timedOut = await eventually(
      async () => {
        const out = await sfn.send(new GetExecutionHistoryCommand({ executionArn }));
        return (out.events ?? [])
          .map((e) => e.lambdaFunctionFailedEventDetails ?? e.taskFailedEventDetails)
          .find((failed) => failed?.error === "Sandbox.Timedout");
      },
      { what: "a task failed for its function's timeout", timeoutMs: 20_000 },
    );
    expect(timedOut.cause).toMatch(/Task timed out after 5\.00 seconds/);
    const meter = await api("/_local/meter");
    expect(meter.json.lambdaTimedOut).toMatchObject({ "advance-line": 1 });
    // States.TaskFailed's retry runs it again (its back-off on the virtual clock).
    await eventually(
      async () => {
        await advanceClock(30);
        return (await store.getLine(orderId, lineId))?.status === "shipment_requested";
      },
      { what: "the line to go on after the retry", intervalMs: 500, timeoutMs: 30_000 },
    );
    const line = await store.getLine(orderId, lineId);
    expect(line?.charge?.attempt).toBe(1);
    await settled();
  });

  it("throttles StartExecution above its rate with ThrottlingException, through the SDK", async () => {
    const start = () =>
      sfn.send(
        new StartExecutionCommand({
          stateMachineArn: "arn:aws:states:us-east-1:000000000000:stateMachine:NoSuchMachine",
          name: `limits-${randomUUID()}`,
        }),
      );
    // Let the bucket fill (orders above started executions).
    await new Promise((resolve) => setTimeout(resolve, 2500));
    const outcomes = await Promise.allSettled(Array.from({ length: 20 }, start));
    const errors = outcomes.map((o) => (o.status === "rejected" ? o.reason : undefined));
    const throttled = errors.filter((e) => e?.name === "ThrottlingException");
    // A full bucket of 10 serves 10 (each answered as AWS would: no such machine).
    const served = errors.filter((e) => e?.name === "StateMachineDoesNotExist").length;
    expect(served).toBeGreaterThanOrEqual(10);
    expect(served + throttled.length).toBe(20);
    // The rest are throttled, but for the few tokens refilled meanwhile (5 a second).
    expect(throttled.length).toBeGreaterThanOrEqual(3);
    expect(throttled.length).toBeLessThanOrEqual(10);
    expect(throttled[0]).toMatchObject({
      message: "Rate exceeded",
      $metadata: { httpStatusCode: 400 },
    });
    // It refills at 5 a second.
    await new Promise((resolve) => setTimeout(resolve, 400));
    await expect(start()).rejects.toMatchObject({ name: "StateMachineDoesNotExist" });
  });

  it("refuses sends above the account's sending rate with TooManyRequestsException", async () => {
    const to = `rate-${randomUUID()}@example.com`;
    const send = () =>
      ses.send(
        new SendEmailCommand({
          FromEmailAddress: "orders@shop.example",
          Destination: { ToAddresses: [to] },
          Content: {
            Simple: { Subject: { Data: "Hello" }, Body: { Text: { Data: "A test email." } } },
          },
        }),
      );
    await settled();
    await new Promise((resolve) => setTimeout(resolve, 1200));
    const outcomes = await Promise.allSettled(Array.from({ length: 9 }, send));
    const sent = outcomes.filter((o) => o.status === "fulfilled");
    const refused = outcomes.flatMap((o) => (o.status === "rejected" ? [o.reason] : []));
    // A full bucket sends 3 (and what refills meanwhile, 3 a second); the rest are refused.
    expect(sent.length).toBeGreaterThanOrEqual(3);
    expect(refused.length).toBeGreaterThanOrEqual(3);
    expect(refused.length).toBe(9 - sent.length);
    for (const error of refused) {
      expect(error).toMatchObject({
        name: "TooManyRequestsException",
        message: "Maximum sending rate exceeded.",
        $metadata: { httpStatusCode: 429 },
      });
    }
    // Only what SES accepted reached the mail store.
    expect(await emailsTo(to)).toHaveLength(sent.length);
    await new Promise((resolve) => setTimeout(resolve, 1000));
    await send();
    expect(await emailsTo(to)).toHaveLength(sent.length + 1);
  });
});
