import { randomUUID } from "node:crypto";
import { SESv2Client, SendEmailCommand } from "@aws-sdk/client-sesv2";
import { GetExecutionHistoryCommand, SendTaskSuccessCommand, SFNClient } from "@aws-sdk/client-sfn";
import { describe, expect, it } from "vitest";
import { ownStack } from "../own-stack.ts";
import { api, eventually, newSku, orderBody, postOrder, putSku } from "../support.ts";
import { advanceClock, emailsTo, localAdapters } from "./support-local.ts";

// Faults hold for the whole stack (and this file moves the clock): a stack of its own, with
// one fault configured at start.
await ownStack({
  env: { BACKORDER_LOCAL_FAULTS: '{"ses":{"error":"LimitExceededException","count":1}}' },
});
const { stack, store } = localAdapters();
const credentials = { accessKeyId: "local", secretAccessKey: "local" };
// One attempt per call, so each call meets the fault itself (the SDK would retry it).
const ses = new SESv2Client({
  endpoint: stack.urls.ses,
  region: "us-east-1",
  credentials,
  maxAttempts: 1,
});
const sfn = new SFNClient({
  endpoint: stack.urls.sfn,
  region: "us-east-1",
  credentials,
  maxAttempts: 1,
});

const faults = {
  get: () => api("/_local/faults"),
  put: (body: unknown) => api("/_local/faults", { method: "PUT", body }),
  clear: () => api("/_local/faults", { method: "DELETE" }),
};

function sendEmail(to: string) {
  return ses.send(
    new SendEmailCommand({
      FromEmailAddress: "orders@shop.example",
      Destination: { ToAddresses: [to] },
      Content: {
        Simple: { Subject: { Data: "Hello" }, Body: { Text: { Data: "A test email." } } },
      },
    }),
  );
}

describe("fault injection on the local stack", () => {
  it("starts with the faults of BACKORDER_LOCAL_FAULTS, and says what is in force", async () => {
    const res = await faults.get();
    expect(res.status).toBe(200);
    expect(res.json.faults).toEqual({
      ses: { error: "LimitExceededException", count: 1, remainingCalls: 1 },
    });
    expect(res.json.injected).toEqual({});
    const to = `start-${randomUUID()}@example.com`;
    await expect(sendEmail(to)).rejects.toMatchObject({
      name: "LimitExceededException",
      $metadata: { httpStatusCode: 400 },
    });
    // Its one call is used up.
    expect((await faults.get()).json.faults).toEqual({});
    await sendEmail(to);
    expect(await emailsTo(to)).toHaveLength(1);
  });

  it("refuses what is not a faults configuration with problem+json 400, writing nothing", async () => {
    const malformed = await api("/_local/faults", { method: "PUT", rawBody: "{ses" });
    expect(malformed.status).toBe(400);
    expect(malformed.headers.get("content-type")).toContain("application/problem+json");
    for (const body of [
      { ses: { count: 0 } },
      { ses: { error: "Throttling" } },
      { lambda: { functions: ["no-such-function"] } },
      { dynamodb: {} },
      [],
    ]) {
      const res = await faults.put(body);
      expect(res.status, JSON.stringify(body)).toBe(400);
      expect(res.json.type).toBe("/problems/validation-error");
      expect((res.json.errors as unknown[]).length).toBeGreaterThan(0);
    }
    expect((await api("/_local/faults", { method: "POST", body: {} })).status).toBe(405);
    expect((await faults.get()).json.faults).toEqual({});
  });

  it("SES answers SendEmail as when throttled while told to, and sends again after DELETE", async () => {
    const to = `ses-${randomUUID()}@example.com`;
    const set = await faults.put({ ses: { forSeconds: 600 } });
    expect(set.status).toBe(200);
    expect(set.json).toMatchObject({
      faults: { ses: { error: "TooManyRequestsException", forSeconds: 600 } },
    });
    await expect(sendEmail(to)).rejects.toMatchObject({
      name: "TooManyRequestsException",
      message: "Maximum sending rate exceeded.",
      $metadata: { httpStatusCode: 429 },
    });
    expect((await faults.get()).json).toMatchObject({ faults: { ses: { forSeconds: 600 } } });

    await faults.put({ ses: { error: "InternalFailure" } });
    await expect(sendEmail(to)).rejects.toMatchObject({
      name: "InternalFailure",
      $fault: "server",
      $metadata: { httpStatusCode: 500 },
    });
    // The mail viewer and the store are served through the same port meanwhile.
    expect((await fetch(`${stack.urls.ses}/`)).status).toBe(200);
    expect(await emailsTo(to)).toEqual([]);

    expect((await faults.clear()).json.faults).toEqual({});
    const sent = await sendEmail(to);
    expect(sent.MessageId).toBeTruthy();
    expect((await emailsTo(to)).map((e) => e.messageId)).toEqual([sent.MessageId]);
  });

  it("Step Functions answers SendTaskSuccess with ThrottlingException while told to", async () => {
    const send = () =>
      sfn.send(new SendTaskSuccessCommand({ taskToken: "no-such-token", output: "{}" }));
    await faults.put({ sendTaskSuccess: { count: 1 } });
    await expect(send()).rejects.toMatchObject({
      name: "ThrottlingException",
      $metadata: { httpStatusCode: 400 },
    });
    // Used up: the call is served again (and this token is unknown).
    await expect(send()).rejects.toMatchObject({ name: "InvalidToken" });
    await faults.put({ sendTaskSuccess: { error: "ServiceUnavailable" } });
    await expect(send()).rejects.toMatchObject({ $metadata: { httpStatusCode: 503 } });
    await faults.clear();
  });

  it("throttles the machine's Lambda tasks, which it retries with back-off until they run", async () => {
    await faults.put({ lambda: { functions: ["advance-line"], count: 2 } });
    const sku = newSku();
    await putSku(sku, { name: "W", onHand: 1 });
    const placed = await postOrder(orderBody([{ lineRef: "1", sku, qty: 1 }]));
    expect(placed.status, placed.text).toBe(201);
    const orderId = String(placed.json.orderId);
    const lineId = String((placed.json.lines as { lineId: string }[])[0]?.lineId);
    const executionArn = `${stack.lineStateMachineArn.replace(":stateMachine:", ":execution:")}:${lineId}`;
    const throttledTasks = async () => {
      const out = await sfn.send(
        new GetExecutionHistoryCommand({ executionArn, maxResults: 1000 }),
      );
      // A task invoking its function by ARN reports LambdaFunctionFailed, others TaskFailed.
      return (out.events ?? []).filter(
        (e) =>
          (e.lambdaFunctionFailedEventDetails ?? e.taskFailedEventDetails)?.error ===
          "Lambda.TooManyRequestsException",
      ).length;
    };
    await eventually(async () => (await throttledTasks()) >= 1, { what: "a throttled task" });
    // The retries wait on the virtual clock: move it past their back-off.
    await eventually(
      async () => {
        await advanceClock(120);
        return (await store.getLine(orderId, lineId))?.status === "shipment_requested";
      },
      { what: "the line to go on once Lambda takes calls again", intervalMs: 300 },
    );
    expect(await throttledTasks()).toBe(2);
    expect((await faults.get()).json.faults).toEqual({});
  });
});
