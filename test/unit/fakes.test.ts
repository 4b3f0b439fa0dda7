import { describe, expect, it } from "vitest";
import { InvalidTransitionError } from "../../shared/domain/line-states.ts";
import { EMAIL_CLAIM_LEASE_MS } from "../../shared/domain/notifications.ts";
import { ConditionFailed, moveLine } from "../fakes/db.ts";
import { fakePorts } from "../fakes/index.ts";

/**
 * The fakes keep the DynamoDB adapters' conditions (test/integration/dynamodb-adapters.test.ts
 * checks the adapters themselves): a service test on them means what it says.
 */
describe("the store fakes", () => {
  it("write a status only from a status the transitions table allows", async () => {
    const f = fakePorts();
    await f.given.sku("W");
    const { line } = await f.given.order([{ sku: "W", qty: 1 }]);
    const at = f.clock.now();

    expect(() => moveLine(structuredClone(line), "charged", at)).toThrow(ConditionFailed);
    expect(() => moveLine(structuredClone(line), "cancelled", at, ["delivered" as never])).toThrow(
      InvalidTransitionError,
    );
    expect(moveLine(structuredClone(line), "allocated", at).history.map((h) => h.status)).toEqual([
      "backordered",
      "allocated",
    ]);
    // Through a port: a cancel read in another status than the line's is refused, and
    // nothing moves (neither the line nor the counter it would release).
    expect(await f.orders.cancelLine({ ...line, status: "allocated" }, at)).toBe(false);
    expect(await f.orders.cancelLine({ ...line, status: "delivered" }, at)).toBe(false);
    expect(await f.given.line(line)).toEqual(line);
    expect(await f.catalog.getSku("W")).toMatchObject({ allocated: 0, backorderedQty: 1 });
  });

  it("write an order all or nothing, and tell a taken key from moved stock", async () => {
    const f = fakePorts();
    await f.given.sku("W", { onHand: 1, backorder: { allowed: false } });
    const { order, line } = await f.given.order([{ sku: "W", qty: 1 }]);
    const idempotency = await f.orders.getIdempotency("orders", order.orderId);
    if (!idempotency) throw new Error("no record");
    const other = { ...order, orderId: "ord_x" };
    const otherLine = { ...line, orderId: "ord_x", lineId: "ln_x" };
    const stock = [{ sku: "W", allocate: 1, backorder: 0, limit: undefined }];

    expect(
      await f.orders.createOrder({ order: other, lines: [otherLine], stock, idempotency }),
    ).toBe("idempotency-key-taken");
    expect(
      await f.orders.createOrder({
        order: other,
        lines: [otherLine],
        stock,
        idempotency: { ...idempotency, key: "k2" },
      }),
    ).toBe("stock-changed");
    expect(await f.orders.getOrder("ord_x")).toBeNull();
    expect(await f.orders.getLine("ord_x", "ln_x")).toBeNull();
    expect(await f.orders.getIdempotency("orders", "k2")).toBeNull();
    expect(await f.catalog.getSku("W")).toMatchObject({ onHand: 1, allocated: 1 });
  });

  it("queue waiting lines oldest first, by createdAt then line id, and page them", async () => {
    const f = fakePorts();
    await f.given.sku("W");
    const first = await f.given.order([
      { sku: "W", qty: 1 },
      { sku: "W", qty: 1 },
    ]);
    f.clock.advance({ minutes: 1 });
    const later = await f.given.order([{ sku: "W", qty: 1 }]);
    const ids = [...first.lines, later.line].map((l) => l.lineId);

    const page = await f.allocation.waitingLines("W", 2);
    expect(page.lines.map((l) => l.lineId)).toEqual(ids.slice(0, 2));
    const rest = await f.allocation.waitingLines("W", 2, page.next ?? undefined);
    expect(rest.lines.map((l) => l.lineId)).toEqual(ids.slice(2));
  });

  it("refuse an allocation when a line moved or free stock is short", async () => {
    const f = fakePorts();
    await f.given.sku("W");
    const { line } = await f.given.order([{ sku: "W", qty: 2 }]);
    const newId = () => "ln_rest";
    const at = f.clock.now();

    const fill = { line, qty: 2, remainder: 0 };
    expect(await f.allocation.allocateLines("W", [fill], at, newId)).toEqual({
      outcome: "changed",
    });
    await f.catalog.putSkuPolicy(
      { sku: "W", name: "W", onHand: 5, backorder: { allowed: true }, substitutes: [] },
      at,
    );
    const stale = { line: { ...line, qty: 3 }, qty: 2, remainder: 1 };
    expect(await f.allocation.allocateLines("W", [stale], at, newId)).toEqual({
      outcome: "changed",
    });
    expect(await f.given.line(line)).toEqual(line);
    expect(await f.allocation.allocateLines("W", [fill], at, newId)).toEqual({
      outcome: "allocated",
      remainders: [],
    });
    expect(await f.catalog.getSku("W")).toMatchObject({ allocated: 2, backorderedQty: 0 });
  });

  it("claim an email once, counting its sends; a released or stale claim may be taken again", async () => {
    const f = fakePorts();
    const draft = { kind: "check_in" as const, to: "a@x", subject: "s", sentAt: "", lineIds: [] };
    const at = f.clock.now();
    expect(await f.notifications.claimNotification("o", "k", draft, at)).toEqual({ attempt: 1 });
    expect(await f.notifications.claimNotification("o", "k", draft, at)).toBe("in-flight");
    await f.notifications.releaseNotification("o", "k", at, "TooManyRequestsException");
    expect(await f.notifications.claimNotification("o", "k", draft, at)).toEqual({ attempt: 2 });
    // Younger than the lease: never sent again. Older: a later attempt may.
    const leaseEnd = f.clock.advance({ ms: EMAIL_CLAIM_LEASE_MS });
    expect(await f.notifications.claimNotification("o", "k", draft, leaseEnd)).toBe("in-flight");
    const later = f.clock.advance({ ms: 1000 });
    expect(await f.notifications.claimNotification("o", "k", draft, later)).toEqual({ attempt: 3 });
    await f.notifications.markNotificationSent("o", "k", "m1", later);
    expect(
      await f.notifications.claimNotification("o", "k", draft, f.clock.advance({ days: 9 })),
    ).toBe("already-sent");
  });
});
