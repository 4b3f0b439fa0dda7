import { describe, expect, it } from "vitest";
import type { OrderRequest } from "../../../shared/domain/order-intake.ts";
import {
  finishPendingOrders,
  ORDER_IDEMPOTENCY_SCOPE,
  placeOrder,
} from "../../../shared/services/place-order.ts";
import { fakePorts } from "../../fakes/index.ts";

const request = (sku: string, qty: number): OrderRequest => ({
  orderRef: "SHOP-1",
  customer: { email: "ada@example.com", name: "Ada" },
  shippingAddress: { line1: "1 Main St", city: "X", postalCode: "1", country: "US" },
  splitPolicy: "ship_as_available",
  payment: { provider: "sandbox", customerRef: "cus_1", paymentMethodRef: "pm_card_visa" },
  currency: "USD",
  lines: [{ lineRef: "1", sku, qty, unitPrice: 1000 }],
});

describe("placeOrder", () => {
  it("places the order even when its executions cannot be started now; they start later", async () => {
    const f = fakePorts();
    await f.given.sku("W", { onHand: 0, backorder: { allowed: true } });
    f.workflow.failNextStarts = 1;

    const placed = await placeOrder(f, "key-1", request("W", 2));

    expect(placed.replayed).toBe(false);
    const [line] = placed.lines;
    expect(await f.orders.getLine(placed.order.orderId, line?.lineId ?? "")).toMatchObject({
      status: "backordered",
    });
    expect(f.workflow.startedLines()).toEqual([]);
    // The record stays pending: the reconciler, once the grace period is over, starts them.
    expect(
      (await f.orders.getIdempotency(ORDER_IDEMPOTENCY_SCOPE, "key-1"))?.followUpDone,
    ).toBeFalsy();
    f.clock.advance({ minutes: 3 });
    expect(await finishPendingOrders(f)).toBe(1);
    expect(f.workflow.startedLines()).toEqual([line?.lineId]);
    expect((await f.orders.getIdempotency(ORDER_IDEMPOTENCY_SCOPE, "key-1"))?.followUpDone).toBe(
      true,
    );
    // The backordered email went once, at intake.
    expect(await f.given.emails(placed.order.orderId)).toEqual(["backordered"]);
  });

  it("replays the first answer for the same key and body, and refuses another body", async () => {
    const f = fakePorts();
    await f.given.sku("W", { onHand: 5 });
    const first = await placeOrder(f, "key-2", request("W", 1));
    const again = await placeOrder(f, "key-2", request("W", 1));
    expect(again).toEqual({ ...first, replayed: true });
    await expect(placeOrder(f, "key-2", request("W", 2))).rejects.toMatchObject({
      kind: "rejected",
      code: "idempotency-key-reused",
    });
    expect((await f.catalog.getSku("W"))?.allocated).toBe(1);
  });

  it("records each line's catalog name, which the emails and the page call it by", async () => {
    const f = fakePorts();
    await f.given.sku("W", { onHand: 0, backorder: { allowed: true } });
    const placed = await placeOrder(f, "key-n", request("W", 1));
    const [line] = placed.lines;
    expect(line?.name).toBe("Item W");
    expect((await f.orders.getLine(placed.order.orderId, line?.lineId ?? ""))?.name).toBe("Item W");
    expect(f.mailer.sent[0]?.text).toContain("Item W (SKU W)");
    expect(f.metrics.of("LinesBackordered")).toBe(1);
  });

  it("a ship_complete order's line in stock is promised its backordered sibling's date, not today", async () => {
    const f = fakePorts();
    await f.given.sku("IN", { onHand: 5 });
    await f.given.sku("OUT", { onHand: 0, backorder: { allowed: true, leadTimeDays: 10 } });
    const together = (splitPolicy: OrderRequest["splitPolicy"], maxShipments?: number) => ({
      ...request("IN", 1),
      splitPolicy,
      ...(maxShipments ? { maxShipments } : {}),
      lines: [
        { lineRef: "1", sku: "IN", qty: 1, unitPrice: 1000 },
        { lineRef: "2", sku: "OUT", qty: 1, unitPrice: 1000 },
      ],
    });
    const today = "2026-11-24";
    const complete = await placeOrder(f, "key-c", together("ship_complete"));
    expect(complete.lines.map((l) => [l.status, l.promisedBy])).toEqual([
      ["allocated", "2026-12-04"],
      ["backordered", "2026-12-04"],
    ]);
    const one = await placeOrder(f, "key-m", together("max_shipments", 1));
    expect(one.lines.map((l) => l.promisedBy)).toEqual(["2026-12-04", "2026-12-04"]);
    // Shipped as available, the line in stock goes today.
    const apart = await placeOrder(f, "key-a", together("ship_as_available"));
    expect(apart.lines.map((l) => l.promisedBy)).toEqual([today, "2026-12-04"]);
  });
});
