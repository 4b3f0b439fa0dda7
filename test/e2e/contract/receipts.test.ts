import { randomUUID } from "node:crypto";
import { describe, expect, it } from "vitest";
import { api, eventually, getSku, keys, newSku, orderBody, postOrder, putSku } from "../support.ts";

/** Contract §4 and §6: stock arriving goes to waiting lines strictly oldest first. */

interface OrderLine {
  lineId: string;
  lineRef: string;
  qty: number;
  status: string;
}

const receipt = (body: unknown, key: string | null = keys.warehouse) =>
  api("/v1/receipts", { method: "POST", key, body });

async function backorder(sku: string, qty: number) {
  const res = await postOrder(orderBody([{ lineRef: "1", sku, qty }]));
  expect(res.status, res.text).toBe(201);
  const [line] = res.json.lines as OrderLine[];
  expect(line?.status).toBe("backordered");
  return { orderId: String(res.json.orderId), lineId: String(line?.lineId) };
}

async function linesOf(orderId: string): Promise<OrderLine[]> {
  const res = await api(`/v1/orders/${orderId}`, { key: keys.storefront });
  return res.json.lines as OrderLine[];
}

describe("POST /v1/receipts", () => {
  it("gives 4 units to the oldest of three waiting orders first, splitting the third", async () => {
    const sku = newSku();
    await putSku(sku, { name: "W", onHand: 0, backorder: { allowed: true } });
    const first = await backorder(sku, 2);
    const second = await backorder(sku, 1);
    const third = await backorder(sku, 3);

    const body = { receiptId: `RCV-${randomUUID()}`, lines: [{ sku, qty: 4 }] };
    const res = await receipt(body);
    expect(res.status, res.text).toBe(200);
    // Contract §6: the cross-dock list names each line's order.
    expect(res.json).toEqual({
      receiptId: body.receiptId,
      status: "done",
      allocations: [
        { lineId: first.lineId, orderId: first.orderId, sku, qty: 2 },
        { lineId: second.lineId, orderId: second.orderId, sku, qty: 1 },
        { lineId: third.lineId, orderId: third.orderId, sku, qty: 1 },
      ],
      putAway: [],
    });

    expect(await getSku(sku)).toMatchObject({ onHand: 4, allocated: 4, backorderedQty: 2 });
    const thirdLines = await linesOf(third.orderId);
    expect(thirdLines.map((l) => [l.lineRef, l.qty, l.status === "backordered"])).toEqual([
      ["1", 1, false],
      ["1", 2, true],
    ]);
    // The filled lines are resumed and go on (the allocated part of the split too).
    for (const { orderId, lineId } of [first, second, third]) {
      await eventually(
        async () =>
          (await linesOf(orderId)).find((l) => l.lineId === lineId)?.status !== "allocated" &&
          (await linesOf(orderId)).find((l) => l.lineId === lineId)?.status !== "backordered",
        { what: `line ${lineId} to move on from allocated` },
      );
    }

    // A redelivery answers the same and adds nothing.
    const again = await receipt(body);
    expect(again.status).toBe(200);
    expect(again.json).toEqual(res.json);
    expect(await getSku(sku)).toMatchObject({ onHand: 4, allocated: 4, backorderedQty: 2 });

    // The next receipt serves the rest of the split line first, then puts away.
    const more = await receipt({ receiptId: `RCV-${randomUUID()}`, lines: [{ sku, qty: 5 }] });
    const rest = (await linesOf(third.orderId)).find((l) => l.qty === 2);
    expect(more.json).toEqual({
      receiptId: expect.any(String),
      status: "done",
      allocations: [{ lineId: rest?.lineId, orderId: third.orderId, sku, qty: 2 }],
      putAway: [{ sku, qty: 3 }],
    });
    expect(await getSku(sku)).toMatchObject({ onHand: 9, allocated: 6, backorderedQty: 0 });
  });

  it("an unknown SKU is a 422 and receives nothing", async () => {
    const sku = newSku();
    await putSku(sku, { name: "W", onHand: 1 });
    const res = await receipt({
      receiptId: `RCV-${randomUUID()}`,
      lines: [
        { sku, qty: 3 },
        { sku: newSku("MISSING"), qty: 1 },
      ],
    });
    expect(res.status).toBe(422);
    expect(String(res.json.type)).toMatch(/\/unknown-sku$/);
    expect(await getSku(sku)).toMatchObject({ onHand: 1 });
  });

  it("the same receiptId with other lines is a 422", async () => {
    const sku = newSku();
    await putSku(sku, { name: "W", onHand: 0 });
    const receiptId = `RCV-${randomUUID()}`;
    expect((await receipt({ receiptId, lines: [{ sku, qty: 1 }] })).status).toBe(200);
    const other = await receipt({ receiptId, lines: [{ sku, qty: 2 }] });
    expect(other.status).toBe(422);
    expect(await getSku(sku)).toMatchObject({ onHand: 1 });
  });

  it("is for the warehouse: a storefront key gets 403, bad input 400", async () => {
    const sku = newSku();
    await putSku(sku, { name: "W", onHand: 0 });
    const body = { receiptId: `RCV-${randomUUID()}`, lines: [{ sku, qty: 1 }] };
    expect((await receipt(body, keys.storefront)).status).toBe(403);
    expect((await receipt(body, null)).status).toBe(401);
    expect((await receipt({ ...body, lines: [{ sku, qty: 0 }] })).status).toBe(400);
    expect(await getSku(sku)).toMatchObject({ onHand: 0 });
  });
});

describe("PUT /v1/skus/{sku} raising onHand", () => {
  it("allocates the new free stock to waiting lines, oldest first, as a receipt does", async () => {
    const sku = newSku();
    await putSku(sku, { name: "W", onHand: 0, backorder: { allowed: true } });
    const first = await backorder(sku, 2);
    const second = await backorder(sku, 2);
    const res = await api(`/v1/skus/${sku}`, {
      method: "PUT",
      key: keys.storefront,
      body: { name: "W", onHand: 3, backorder: { allowed: true } },
    });
    expect(res.status).toBe(200);
    expect(res.json).toMatchObject({ onHand: 3, allocated: 3, available: 0, backorderedQty: 1 });
    expect((await linesOf(first.orderId)).map((l) => [l.qty, l.status === "backordered"])).toEqual([
      [2, false],
    ]);
    expect((await linesOf(second.orderId)).map((l) => [l.qty, l.status === "backordered"])).toEqual(
      [
        [1, false],
        [1, true],
      ],
    );
  });
});
