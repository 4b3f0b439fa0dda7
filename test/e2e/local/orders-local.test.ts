import { randomUUID } from "node:crypto";
import { DescribeExecutionCommand, StartExecutionCommand } from "@aws-sdk/client-sfn";
import { describe, expect, it } from "vitest";
import { lineRunInput } from "../../../shared/adapters/sfn-line-workflow.ts";
import { formatDay } from "../../../shared/emails/format.ts";
import { postOrderBody } from "../../../shared/http/schemas.ts";
import { createdOrderView } from "../../../shared/http/views.ts";
import { verifyOrderToken } from "../../../shared/links/customer-links.ts";
import { ORDER_IDEMPOTENCY_SCOPE, requestHash } from "../../../shared/services/place-order.ts";
import { ownStack } from "../own-stack.ts";
import {
  api,
  eventually,
  getSku,
  keys,
  newSku,
  orderBody,
  postOrder,
  putSku,
  settled,
} from "../support.ts";
import {
  advanceClock,
  backorderedOrder,
  emailsTo,
  localAdapters,
  parkedFor,
  virtualNow,
} from "./support-local.ts";

/** Order intake on the local stack, looking behind the API: tables, executions, SES. */
// This file moves the virtual clock, so it runs on a stack of its own.
await ownStack();
const { stack, store, sfn } = localAdapters();
const LINK_SECRET = "local-customer-link-signing-secret";

const executionArn = (lineId: string) =>
  `${stack.lineStateMachineArn.replace(":stateMachine:", ":execution:")}:${lineId}`;

interface CreatedLine {
  lineId: string;
  status: string;
}

/** The items of the table that concern these SKUs or this idempotency key. */
async function itemsAbout(skus: string[], idempotencyKey: string) {
  const items = await store.scanAll();
  return items
    .filter((i) => skus.includes(String(i.sku)) || String(i.pk).endsWith(`#${idempotencyKey}`))
    .sort((a, b) => `${a.pk}${a.sk}`.localeCompare(`${b.pk}${b.sk}`));
}

describe("order intake behind the API", () => {
  it("refuses the stripe provider with a 422 when no Stripe key is configured, writing nothing", async () => {
    const code = newSku();
    await putSku(code, { name: "W", onHand: 5 });
    const body = orderBody([{ lineRef: "1", sku: code, qty: 1 }], {
      payment: { provider: "stripe", customerRef: "cus_1", paymentMethodRef: "pm_card_visa" },
    });
    const res = await postOrder(body);
    expect(res.status).toBe(422);
    expect(String(res.json.type)).toMatch(/\/payment-provider-unavailable$/);
    expect(await getSku(code)).toMatchObject({ allocated: 0 });
  });

  it("a 409 leaves every table as it was: no order, line, counter or idempotency record", async () => {
    const [fine, rare] = [newSku(), newSku()];
    await putSku(fine, { name: "Fine", onHand: 5, backorder: { allowed: true } });
    await putSku(rare, { name: "Rare", onHand: 0, backorder: { allowed: false } });
    const key = randomUUID();
    const before = await itemsAbout([fine, rare], key);
    expect(before).toHaveLength(2); // the two SKUs

    const body = orderBody([
      { lineRef: "1", sku: fine, qty: 2 },
      { lineRef: "2", sku: rare, qty: 1 },
    ]);
    const res = await postOrder(body, key);
    expect(res.status).toBe(409);
    expect(await itemsAbout([fine, rare], key)).toEqual(before);
    const orders = (await store.scanAll()).filter((i) => i.orderRef === body.orderRef);
    expect(orders).toEqual([]);
  });

  it("starts one execution per line, named after the line id", async () => {
    const code = newSku();
    await putSku(code, { name: "W", onHand: 1, backorder: { allowed: true } });
    const res = await postOrder(orderBody([{ lineRef: "1", sku: code, qty: 3 }]));
    expect(res.status, res.text).toBe(201);
    const lines = res.json.lines as CreatedLine[];
    expect(lines.map((l) => l.status)).toEqual(["allocated", "backordered"]);
    for (const line of lines) {
      const described = await sfn.send(
        new DescribeExecutionCommand({ executionArn: executionArn(line.lineId) }),
      );
      expect(described.name).toBe(line.lineId);
      expect(JSON.parse(described.input ?? "{}")).toMatchObject({
        orderId: res.json.orderId,
        lineId: line.lineId,
      });
    }
    // The backordered line parks waiting for stock.
    const waiting = lines[1] as CreatedLine;
    await eventually(async () => (await parkedFor(sfn, executionArn(waiting.lineId))) === "stock", {
      what: "the backordered line to park",
    });
  });

  it("sends the backordered email once, HTML and text, with signed order and cancel links", async () => {
    const code = newSku();
    await putSku(code, { name: "W", onHand: 0, backorder: { allowed: true, leadTimeDays: 5 } });
    const body = orderBody([
      { lineRef: "1", sku: code, qty: 1 },
      { lineRef: "2", sku: code, qty: 2 },
    ]);
    const key = randomUUID();
    const res = await postOrder(body, key);
    expect(res.status, res.text).toBe(201);
    await postOrder(body, key);
    const orderId = String(res.json.orderId);
    const lines = res.json.lines as (CreatedLine & { promisedBy: string })[];

    // Both lines' executions run the workflow's backstop; it must not send a second email.
    for (const line of lines) {
      await eventually(async () => (await parkedFor(sfn, executionArn(line.lineId))) === "stock", {
        what: "the line to pass the backstop and park",
      });
      const described = await sfn.send(
        new DescribeExecutionCommand({ executionArn: executionArn(line.lineId) }),
      );
      expect(JSON.parse(described.input ?? "{}")).toMatchObject({ notify: "backordered" });
    }
    await settled();
    const emails = await emailsTo(body.customer.email);
    expect(emails).toHaveLength(1);
    const [email] = emails;
    expect(email?.subject).toContain(body.orderRef);
    const text = email?.body.text ?? "";
    const html = email?.body.html ?? "";
    expect(html).toMatch(/^<!doctype html>/i);
    expect(text).toContain(`Ships by: ${formatDay(lines[0]?.promisedBy ?? "")}`);
    // Items are named by their catalog name ("W" here), with the SKU beside it.
    expect(text).toContain(`W (SKU ${code})`);

    const links = [...text.matchAll(/https?:\/\/\S+/g)].map((m) => new URL(m[0]));
    const orderPage = links.find((u) => !u.searchParams.has("action"));
    expect(orderPage?.pathname).toBe(`/v1/customer/orders/${orderId}`);
    const token = orderPage?.searchParams.get("token") ?? "";
    expect(await verifyOrderToken(LINK_SECRET, token, await virtualNow())).toMatchObject({
      ok: true,
      orderId,
    });
    const cancels = links.filter((u) => u.searchParams.get("action") === "cancel");
    expect(cancels.map((u) => u.searchParams.get("lineId")).sort()).toEqual(
      lines.map((l) => l.lineId).sort(),
    );
    for (const line of lines) expect(html).toContain(`lineId=${line.lineId}`);

    const notes = await api(`/v1/orders/${orderId}/notifications`, { key: keys.storefront });
    expect((notes.json.notifications as { kind: string }[]).map((n) => n.kind)).toEqual([
      "backordered",
    ]);
  });

  it("the line workflow sends the backordered email if the API did not", async () => {
    // An order as intake writes it, whose API call died before its email went out.
    const { order, line, email } = backorderedOrder(await virtualNow(), 10);
    await store.putOrder(order, [line]);
    expect(await emailsTo(email)).toHaveLength(0);
    await sfn.send(
      new StartExecutionCommand({
        stateMachineArn: stack.lineStateMachineArn,
        name: line.lineId,
        input: lineRunInput({ orderId: order.orderId, lineId: line.lineId, notify: "backordered" }),
      }),
    );
    const sent = await eventually(
      async () => {
        const list = await emailsTo(email);
        return list.length > 0 ? list : undefined;
      },
      { what: "the workflow's backordered email" },
    );
    expect(sent).toHaveLength(1);
    const notes = await store.listNotifications(order.orderId);
    expect(notes.map((n) => [n.kind, n.lineIds])).toEqual([["backordered", [line.lineId]]]);
  });

  it("counts stay exact across a burst of mixed orders on one SKU", async () => {
    const code = newSku();
    await putSku(code, { name: "W", onHand: 7, backorder: { allowed: true, limit: 20 } });
    const qtys = [3, 1, 4, 1, 5, 9, 2, 6];
    const results = await Promise.all(
      qtys.map((qty) => postOrder(orderBody([{ lineRef: "1", sku: code, qty }]))),
    );
    const accepted = results.filter((r) => r.status === 201);
    const lines = accepted.flatMap((r) => r.json.lines as (CreatedLine & { qty: number })[]);
    const sum = (status: string) =>
      lines.filter((l) => l.status === status).reduce((n, l) => n + l.qty, 0);
    expect(sum("allocated")).toBe(7);
    const sku = await getSku(code);
    expect(sku).toMatchObject({ allocated: 7, backorderedQty: sum("backordered") });
    expect(Number(sku.backorderedQty)).toBeLessThanOrEqual(20);
    // The stored lines agree with the counters.
    const stored = (await store.scanAll()).filter((i) => i.type === "line" && i.sku === code);
    expect(stored.reduce((n, l) => n + Number(l.qty), 0)).toBe(
      sum("allocated") + sum("backordered"),
    );
    for (const r of results.filter((x) => x.status !== 201)) expect(r.status).toBe(409);
  });
});

describe("an order whose API call died after its write", () => {
  /** Writes an order as intake does, and stops there: no email, no executions. */
  async function cutOffOrder(body: unknown, key = randomUUID()) {
    const now = await virtualNow();
    const { order, line, email } = backorderedOrder(now, 10);
    const response = createdOrderView(order, [line]);
    const outcome = await store.createOrder({
      order,
      lines: [line],
      stock: [],
      idempotency: {
        scope: ORDER_IDEMPOTENCY_SCOPE,
        key,
        requestHash: requestHash(postOrderBody.parse(body)),
        orderId: order.orderId,
        created: { order, lines: [line] },
        createdAt: now.toISOString(),
        expiresAt: Math.floor(now.getTime() / 1000) + 86_400,
      },
    });
    expect(outcome).toBe("created");
    return { order, line, email, key, response };
  }

  const executionStarted = async (lineId: string) => {
    const out = await sfn
      .send(new DescribeExecutionCommand({ executionArn: executionArn(lineId) }))
      .catch(() => null);
    return out?.status === "RUNNING";
  };

  it("is finished by a retry with the same key: email sent, execution started, same answer", async () => {
    const body = orderBody([{ lineRef: "1", sku: newSku(), qty: 2 }]);
    const { line, email, key, response } = await cutOffOrder(body);
    expect(await executionStarted(line.lineId)).toBe(false);

    const retry = await postOrder(body, key);
    expect(retry.status, retry.text).toBe(201);
    expect(retry.json).toEqual(response);
    expect(retry.headers.get("idempotent-replayed")).toBe("true");
    expect(await executionStarted(line.lineId)).toBe(true);
    expect((await emailsTo(email)).map((e) => e.subject)).toHaveLength(1);
    expect(await store.getIdempotency(ORDER_IDEMPOTENCY_SCOPE, key)).toMatchObject({
      followUpDone: true,
    });
  });

  it("is finished by the scheduled reconciler when nobody retries", async () => {
    const body = orderBody([{ lineRef: "1", sku: newSku(), qty: 2 }]);
    const { line, email, key } = await cutOffOrder(body);
    // Past the grace period for calls still running, and past the next scheduled run.
    await advanceClock(6 * 60);
    await eventually(() => executionStarted(line.lineId), { what: "the reconciled execution" });
    await eventually(async () => (await emailsTo(email)).length === 1, {
      what: "the reconciled email",
    });
    expect(await store.getIdempotency(ORDER_IDEMPOTENCY_SCOPE, key)).toMatchObject({
      followUpDone: true,
    });
  });
});
