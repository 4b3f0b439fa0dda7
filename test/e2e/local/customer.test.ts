import { randomUUID } from "node:crypto";
import { describe, expect, it } from "vitest";
import { signOrderToken } from "../../../shared/links/customer-links.ts";
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
import { emailsTo, virtualNow } from "./support-local.ts";

/** Contract §9: the customer's signed links from emails. */
const LINK_SECRET = "local-customer-link-signing-secret";

interface Line {
  lineId: string;
  status: string;
}

async function backorderedOrder(substitutes: string[] = []) {
  const sku = newSku();
  await putSku(sku, {
    name: "W",
    onHand: 0,
    backorder: { allowed: true, leadTimeDays: 9 },
    substitutes,
  });
  const body = orderBody([{ lineRef: "1", sku, qty: 2 }]);
  const res = await postOrder(body);
  expect(res.status).toBe(201);
  const [email] = await emailsTo(body.customer.email);
  const links = [...(email?.body.text ?? "").matchAll(/https?:\/\/\S+/g)].map((m) => new URL(m[0]));
  return {
    sku,
    orderId: String(res.json.orderId),
    lineId: (res.json.lines as Line[])[0]?.lineId as string,
    orderLink: links.find((u) => !u.searchParams.has("action")) as URL,
    cancelLink: links.find((u) => u.searchParams.get("action") === "cancel") as URL,
  };
}

const open = (url: URL, accept = "application/json") =>
  api(`${url.pathname}${url.search}`, { headers: { accept } });

describe("the shop withdrawing an order's links", () => {
  it("stops every link emailed so far, other orders' links open, and later emails carry new ones", async () => {
    const mine = await backorderedOrder();
    const other = await backorderedOrder();
    expect((await open(mine.orderLink)).status).toBe(200);

    const revoke = (orderId: string, key: string | null = keys.storefront) =>
      api(`/v1/orders/${orderId}/links/revoke`, { method: "POST", key });
    expect((await revoke(mine.orderId, null)).status).toBe(401);
    expect((await revoke(mine.orderId, keys.warehouse)).status).toBe(403);
    const unknown = await revoke(`ord_${randomUUID().replaceAll("-", "")}`);
    expect(unknown.status, unknown.text).toBe(404);
    expect(unknown.headers.get("content-type")).toContain("application/problem+json");

    const revoked = await revoke(mine.orderId);
    expect(revoked.status, revoked.text).toBe(200);
    expect(revoked.json).toMatchObject({ orderId: mine.orderId, linkGeneration: 1 });
    const refused = await open(mine.orderLink);
    expect(refused.status).toBe(401);
    expect(refused.json.detail).toMatch(/withdrawn/);
    // Cancelling with the withdrawn token is refused too, and cancels nothing.
    const token = encodeURIComponent(mine.orderLink.searchParams.get("token") ?? "");
    const cancel = await api(
      `/v1/customer/orders/${mine.orderId}/lines/${mine.lineId}/cancel?token=${token}`,
      { method: "POST" },
    );
    expect(cancel.status, cancel.text).toBe(401);
    const line = await api(`/v1/orders/${mine.orderId}`, { key: keys.storefront });
    expect(line.json.lines).toMatchObject([{ status: "backordered" }]);
    expect((await open(other.orderLink)).status).toBe(200);

    // The shop cancels the line: the email that says so carries a link that opens.
    const cancelled = await api(`/v1/orders/${mine.orderId}/lines/${mine.lineId}/cancel`, {
      method: "POST",
      key: keys.storefront,
    });
    expect(cancelled.status, cancelled.text).toBe(200);
    await settled();
    const order = await api(`/v1/orders/${mine.orderId}`, { key: keys.storefront });
    const emails = await emailsTo(String((order.json.customer as { email: string }).email));
    const latest = emails.at(-1)?.body.text ?? "";
    const link = [...latest.matchAll(/https?:\/\/\S+/g)]
      .map((m) => new URL(m[0]))
      .find((u) => !u.searchParams.has("action"));
    expect(link, latest).toBeDefined();
    const page = await open(link as URL);
    expect(page.status, page.text).toBe(200);
    expect(page.json).toMatchObject({ orderId: mine.orderId, lines: [{ status: "cancelled" }] });
  });
});

describe("the customer's order page", () => {
  it("opens from the email's link as JSON, without payment details", async () => {
    const { orderId, lineId, orderLink } = await backorderedOrder();
    const res = await open(orderLink);
    expect(res.status, res.text).toBe(200);
    expect(res.json).toMatchObject({
      orderId,
      status: "open",
      lines: [{ lineId, status: "backordered", qty: 2, canCancel: true }],
    });
    expect(res.json).not.toHaveProperty("payment");
  });

  it("is an HTML page for browsers, opened on the cancel confirmation by the cancel link", async () => {
    const { cancelLink, orderLink } = await backorderedOrder();
    const page = await open(orderLink, "text/html,application/xhtml+xml");
    expect(page.status).toBe(200);
    expect(page.headers.get("content-type")).toMatch(/^text\/html/);
    expect(page.text).toMatch(/^<!doctype html>/i);
    expect(page.text).toContain("On backorder");
    expect(page.text).not.toContain("Yes, cancel this item");
    const confirm = await open(cancelLink, "text/html");
    expect(confirm.text).toContain("Yes, cancel this item");
  });

  it("refuses a token of another order (403), a forged or expired one (401)", async () => {
    const a = await backorderedOrder();
    const b = await backorderedOrder();
    const token = a.orderLink.searchParams.get("token") as string;
    const other = await api(`/v1/customer/orders/${b.orderId}?token=${encodeURIComponent(token)}`);
    expect(other.status).toBe(403);
    expect((await api(`/v1/customer/orders/${a.orderId}?token=x${token}`)).status).toBe(401);
    expect((await api(`/v1/customer/orders/${a.orderId}`)).status).toBe(401);
    const expired = await signOrderToken(
      LINK_SECRET,
      a.orderId,
      new Date((await virtualNow()).getTime() - 1000),
    );
    const late = await api(`/v1/customer/orders/${a.orderId}?token=${encodeURIComponent(expired)}`);
    expect(late.status).toBe(401);
    expect(String(late.json.detail)).toMatch(/expired/);
  });

  it("cancels a line through the signed link, releasing its backorder", async () => {
    const { sku, orderId, lineId, orderLink } = await backorderedOrder();
    const token = encodeURIComponent(orderLink.searchParams.get("token") as string);
    const res = await api(`/v1/customer/orders/${orderId}/lines/${lineId}/cancel?token=${token}`, {
      method: "POST",
    });
    expect(res.status, res.text).toBe(200);
    expect(res.json).toEqual({ lineId, status: "cancelled", refund: null });
    expect(await getSku(sku)).toMatchObject({ backorderedQty: 0 });
    const page = await open(orderLink);
    expect(page.json).toMatchObject({
      status: "cancelled",
      lines: [{ status: "cancelled", canCancel: false }],
    });
    // Another order's token cannot cancel it.
    const other = await backorderedOrder();
    const foreign = encodeURIComponent(other.orderLink.searchParams.get("token") as string);
    const refused = await api(
      `/v1/customer/orders/${orderId}/lines/${lineId}/cancel?token=${foreign}`,
      { method: "POST" },
    );
    expect(refused.status).toBe(403);
  });

  it("after a partial arrival, the email's cancel link cancels only the part still waiting", async () => {
    const { sku, orderId, lineId, cancelLink } = await backorderedOrder();
    // One of the two units arrives: it is filled, charged and sent on; one unit waits on.
    const received = await api("/v1/receipts", {
      method: "POST",
      key: keys.warehouse,
      body: { receiptId: `rc-${randomUUID().slice(0, 8)}`, lines: [{ sku, qty: 1 }] },
    });
    expect(received.status, received.text).toBeLessThan(300);
    const lines = async () =>
      ((await api(`/v1/orders/${orderId}`, { key: keys.storefront })).json.lines ?? []) as (Line & {
        qty: number;
        charge?: unknown;
      })[];
    await eventually(
      async () => (await lines()).find((l) => l.lineId === lineId)?.status === "shipment_requested",
      { what: "the filled unit charged and handed to the warehouse" },
    );
    const waitingPart = (await lines()).find((l) => l.lineId !== lineId);
    expect(waitingPart).toMatchObject({ status: "backordered", qty: 1 });

    // The link names the line as the email showed it; the customer cancels from it.
    const token = encodeURIComponent(cancelLink.searchParams.get("token") as string);
    const res = await api(`/v1/customer/orders/${orderId}/lines/${lineId}/cancel?token=${token}`, {
      method: "POST",
    });
    expect(res.status, res.text).toBe(200);
    expect(res.json).toMatchObject({
      lineId: waitingPart?.lineId,
      status: "cancelled",
      refund: null,
    });
    await settled();

    // The charged unit is untouched: still on its way, charged once, never refunded; its
    // unit was not put back for anyone (the order's waiting part was the one cancelled).
    const after = await lines();
    expect(after.find((l) => l.lineId === lineId)).toMatchObject({
      status: "shipment_requested",
      qty: 1,
    });
    expect(after.find((l) => l.lineId === waitingPart?.lineId)?.status).toBe("cancelled");
    expect(await getSku(sku)).toMatchObject({ onHand: 1, allocated: 1, backorderedQty: 0 });
    const notes = await api(`/v1/orders/${orderId}/notifications`, { key: keys.storefront });
    const kinds = (notes.json.notifications as { kind: string }[]).map((n) => n.kind);
    expect(kinds.filter((k) => k === "charged")).toHaveLength(1);
    expect(kinds).not.toContain("refunded");
  });
});

describe("taking a substitute", () => {
  it("sells the substitute in the line's place and cancels the waiting line", async () => {
    const [alt, rare] = [newSku("ALT"), newSku("RARE")];
    await putSku(alt, { name: "Alt", onHand: 5 });
    await putSku(rare, { name: "Rare", onHand: 0, backorder: { allowed: false } });
    const w = await backorderedOrder([alt, rare]);
    const token = encodeURIComponent(w.orderLink.searchParams.get("token") as string);
    const path = `/v1/customer/orders/${w.orderId}/lines/${w.lineId}/substitute?token=${token}`;

    // Not offered for this item: 422. Offered but not in stock: 409. Nothing changes.
    const other = await api(path, { method: "POST", body: { sku: newSku() } });
    expect(other.status).toBe(422);
    expect(other.json.substitutes).toEqual([alt, rare]);
    expect((await api(path, { method: "POST", body: { sku: rare } })).status).toBe(409);
    expect(await getSku(w.sku)).toMatchObject({ backorderedQty: 2 });

    const res = await api(path, { method: "POST", body: { sku: alt } });
    expect(res.status, res.text).toBe(200);
    expect(res.json).toMatchObject({
      lineId: w.lineId,
      status: "cancelled",
      substitutedBy: [{ sku: alt, qty: 2, status: "allocated", lineRef: "1" }],
    });
    expect(await getSku(w.sku)).toMatchObject({ backorderedQty: 0 });
    expect(await getSku(alt)).toMatchObject({ allocated: 2 });
    const page = await open(w.orderLink);
    const lines = page.json.lines as { sku: string; status: string }[];
    expect(lines.find((l) => l.sku === w.sku)?.status).toBe("cancelled");
    expect(lines.find((l) => l.sku === alt)).toBeDefined();
    // A repeat (a double click) answers the same and sells nothing more.
    const again = await api(path, { method: "POST", body: { sku: alt } });
    expect(again.status).toBe(200);
    const ids = (r: typeof res) =>
      (r.json.substitutedBy as { lineId: string }[]).map((l) => l.lineId);
    expect(ids(again)).toEqual(ids(res));
    expect(await getSku(alt)).toMatchObject({ allocated: 2 });
  });
});
