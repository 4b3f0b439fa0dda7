import { beforeAll, describe, expect, it } from "vitest";
import { DynamoDbShipments } from "../../shared/adapters/dynamodb/shipments.ts";
import { DynamoDbSupply } from "../../shared/adapters/dynamodb/supply.ts";
import {
  encodeCursor,
  type Key,
  keys,
  lineItem,
  putsIfAbsent,
  Table,
  type TransactItem,
  type UpdateParts,
} from "../../shared/adapters/dynamodb/table.ts";
import type { LineStatus } from "../../shared/domain/line-states.ts";
import type { Line, Order } from "../../shared/domain/model.ts";
import type { Notification } from "../../shared/domain/notifications.ts";
import { InvalidCursorError, type Page, type PageRequest } from "../../shared/ports/paging.ts";
import { useDynamoDbLocal } from "../support/dynamodb-local.ts";
import type { TestTable } from "../support/table.ts";

/**
 * Paged lists and DynamoDB's item limits (keys, transactions of 100 items) met by ordinary
 * requests, against DynamoDB Local, which refuses what AWS refuses.
 */
const TABLE = "lists-and-limits-table";
const AT = new Date("2026-11-24T10:00:00.000Z");

let store: TestTable;
let shipments: DynamoDbShipments;

const local = useDynamoDbLocal(TABLE);
beforeAll(() => {
  store = local.store();
  shipments = new DynamoDbShipments(store.table);
});

let counter = 0;
const unique = (prefix: string) => `${prefix}-${String(++counter).padStart(4, "0")}`;
const later = (ms: number) => new Date(AT.getTime() + ms);

/** An order of `count` lines in `status`, one unit each, of `skus` in turn. */
async function storedOrder(
  count: number,
  status: LineStatus,
  skus: readonly string[] = [unique("SKU")],
): Promise<{ order: Order; lines: Line[] }> {
  const orderId = unique("ord");
  const order: Order = {
    orderId,
    orderRef: "SHOP-1",
    status: "open",
    customer: { email: "ada@example.com", name: "Ada" },
    shippingAddress: { line1: "1 Main St", city: "X", postalCode: "1", country: "US" },
    splitPolicy: "ship_complete",
    payment: { provider: "sandbox", customerRef: "c", paymentMethodRef: "pm_card_visa" },
    currency: "USD",
    createdAt: AT.toISOString(),
  };
  const lines = Array.from(
    { length: count },
    (_, i): Line => ({
      orderId,
      lineId: `ln_${orderId}-${String(i).padStart(4, "0")}`,
      lineRef: "1",
      sku: skus[i % skus.length] as string,
      qty: 1,
      unitPrice: 100,
      currency: "USD",
      status,
      eta: null,
      promisedBy: "2026-12-01",
      createdAt: AT.toISOString(),
      history: [{ status, at: AT.toISOString() }],
      lastContactAt: AT.toISOString(),
      promiseEscalated: false,
    }),
  );
  // Written in pieces: the point of some tests is that one transaction cannot hold them.
  await store.putOrder(order, []);
  for (let i = 0; i < lines.length; i += 50) {
    await store.table.transact(putsIfAbsent(TABLE, lines.slice(i, i + 50).map(lineItem)));
  }
  return { order, lines };
}

/** Every page of a list, by `limit`, with the size of each. */
async function allPages<T>(
  list: (page: PageRequest) => Promise<Page<T>>,
  limit: number,
): Promise<{ items: T[]; sizes: number[] }> {
  const items: T[] = [];
  const sizes: number[] = [];
  let cursor: string | null = null;
  do {
    const page: Page<T> = await list({ limit, cursor });
    items.push(...page.items);
    sizes.push(page.items.length);
    cursor = page.next;
  } while (cursor);
  return { items, sizes };
}

describe("paged lists", () => {
  it("pages shipments of a status oldest first, each once, and refuses a cursor of another list", async () => {
    const mine: string[] = [];
    for (let i = 0; i < 7; i++) {
      const { order, lines } = await storedOrder(1, "allocated");
      const shipmentId = `shp_${unique("page")}`;
      expect(await shipments.createShipment(order, lines, shipmentId, later(i))).toBe(true);
      mine.push(shipmentId);
    }
    const { items, sizes } = await allPages((p) => shipments.listShipments("forming", p), 3);
    const listed = items.map((s) => s.shipmentId).filter((id) => mine.includes(id));
    expect(listed).toEqual(mine);
    expect(sizes.every((n) => n <= 3)).toBe(true);

    const first = await shipments.listShipments("forming", { limit: 1 });
    expect(first.next).toEqual(expect.any(String));
    // A cursor of the forming list is not one of the requested list, nor is a made-up one.
    await expect(
      shipments.listShipments("requested", { limit: 1, cursor: first.next }),
    ).rejects.toThrow(InvalidCursorError);
    for (const cursor of [
      "not-base64!",
      "x".repeat(20_000),
      "e30",
      encodeCursor({ pk: "x", sk: "y", gsi1pk: "SHIPMENTS#forming" }) as string,
      encodeCursor({ pk: 1, sk: "y", gsi1pk: "SHIPMENTS#forming", gsi1sk: "z" }) as string,
      encodeCursor({ pk: "x".repeat(3000), sk: "y", gsi1pk: "SHIPMENTS#forming", gsi1sk: "z" }),
    ]) {
      await expect(
        shipments.listShipments("forming", { limit: 1, cursor: cursor as string }),
      ).rejects.toThrow(InvalidCursorError);
    }
  });

  it("pages an order's emails in the order they were sent; the last page says so", async () => {
    const orderId = unique("ord");
    const draft = (i: number): Notification => ({
      kind: "check_in",
      to: "ada@example.com",
      subject: `email ${i}`,
      sentAt: later(i).toISOString(),
      lineIds: [`ln-${i}`],
    });
    // Sent in an order other than their keys'; one refused for good; one only claimed.
    for (const i of [4, 1, 3, 0, 5, 2]) {
      const key = `k-${9 - i}`;
      expect(await store.notifications.claimNotification(orderId, key, draft(i), later(i))).toEqual(
        { attempt: 1 },
      );
      if (i === 2) {
        await store.notifications.markNotificationFailed(orderId, key, later(i), "Refused");
      } else {
        await store.notifications.markNotificationSent(orderId, key, `msg-${i}`, later(i));
      }
    }
    await store.notifications.claimNotification(orderId, "k-claimed", draft(9), later(9));

    const { items, sizes } = await allPages(
      (p) => store.notifications.notificationsPage(orderId, p),
      2,
    );
    expect(items.map((n) => n.subject)).toEqual([0, 1, 2, 3, 4, 5].map((i) => `email ${i}`));
    expect(items.map((n) => n.state)).toEqual(["sent", "sent", "failed", "sent", "sent", "sent"]);
    // Six emails by two: three pages, the third the last (no empty page after it).
    expect(sizes).toEqual([2, 2, 2]);

    // The failed one claimed again leaves the list until it is sent.
    expect(
      await store.notifications.claimNotification(orderId, "k-7", draft(2), later(20)),
    ).toEqual({ attempt: 2 });
    const page = await store.notifications.notificationsPage(orderId, { limit: 10 });
    expect(page.items.map((n) => n.subject)).not.toContain("email 2");
    expect(page.next).toBeNull();

    const other = await store.notifications.notificationsPage(orderId, { limit: 1 });
    await expect(
      store.notifications.notificationsPage(unique("ord"), { limit: 1, cursor: other.next }),
    ).rejects.toThrow(InvalidCursorError);
  });
});

describe("a supplier's notice of many SKUs", () => {
  const supply = () => new DynamoDbSupply(store.table);
  const skus = (prefix: string, n: number) =>
    Array.from({ length: n }, (_, i) => `${prefix}-${String(i).padStart(3, "0")}`);
  const notice = (asnId: string, revision: number, names: string[], day = "2027-01-15") => ({
    asnId,
    revision,
    estimatedDeliveryAt: `${day}T00:00:00Z`,
    lines: names.map((sku) => ({ sku, qty: 5 })),
  });
  const inboundOf = async (names: string[]) =>
    (await Promise.all(names.map((s) => supply().inbound(s)))).map((list) =>
      list.map((i) => `${i.asnId}:${i.qty}:${i.estimatedDeliveryAt.slice(0, 10)}`).join(),
    );

  it("stores a notice of 100 SKUs, and a revision that swaps 60 of them", async () => {
    const asnId = unique("ASN");
    const first = skus(unique("A"), 100);
    await supply().saveAsn("acme", notice(asnId, 1, first), AT);
    expect(await inboundOf(first)).toEqual(first.map(() => `${asnId}:5:2027-01-15`));

    const kept = first.slice(60);
    const added = skus(unique("B"), 60);
    await supply().saveAsn("acme", notice(asnId, 2, [...kept, ...added], "2027-02-01"), AT);
    expect(await inboundOf(first.slice(0, 60))).toEqual(first.slice(0, 60).map(() => ""));
    expect(await inboundOf([...kept, ...added])).toEqual(
      [...kept, ...added].map(() => `${asnId}:5:2027-02-01`),
    );
  });

  it("finishes a revision cut off before it settled, keeping what receipts took off since", async () => {
    const asnId = unique("ASN");
    // The most lines the API takes.
    const names = skus(unique("C"), 500);
    const saved = await supply().saveAsn("acme", notice(asnId, 1, names), AT);
    expect(saved).toEqual({ revision: 1, skus: names });
    expect(await inboundOf(names)).toEqual(names.map(() => `${asnId}:5:2027-01-15`));
    // A receipt against the notice takes 2 units of the first SKU off.
    const first = names[0] as string;
    await store.table.updateIf(keys.inbound(first, "acme", asnId), {
      set: ["qty = qty - :q"],
      values: { ":q": 2 },
    });

    // Not settled (its re-dating was cut off): a retry, or another delivery of the same
    // revision, is given its SKUs again, and writes nothing over the receipt.
    expect(await supply().saveAsn("acme", notice(asnId, 1, names), AT)).toEqual(saved);
    expect(await inboundOf([first])).toEqual([`${asnId}:3:2027-01-15`]);
    await supply().settleAsn("acme", asnId, 1);
    expect(await supply().saveAsn("acme", notice(asnId, 1, names), AT)).toEqual({
      revision: 1,
      skus: [],
    });
  });

  it("lets the later of two revisions written at once stand, and an older one arriving late change nothing", async () => {
    const asnId = unique("ASN");
    const one = skus(unique("D"), 120);
    await supply().saveAsn("acme", notice(asnId, 1, one), AT);
    const two = [...one.slice(0, 60), ...skus(unique("E"), 90)];
    const three = [...two.slice(30, 120), ...skus(unique("F"), 90)];
    const [a, b] = await Promise.all([
      supply().saveAsn("acme", notice(asnId, 2, two, "2027-02-01"), AT),
      supply().saveAsn("acme", notice(asnId, 3, three, "2027-03-01"), AT),
    ]);
    // Revision 3 re-dates every SKU a revision before it may have written: revision 1's and
    // its own, and revision 2's when that one stored its head first (else it wrote nothing).
    const written = a.skus.length > 0 ? [...one, ...two, ...three] : [...one, ...three];
    expect(new Set(b.skus)).toEqual(new Set(written));
    expect(await inboundOf(three)).toEqual(three.map(() => `${asnId}:5:2027-03-01`));
    const gone = [...one, ...two].filter((s) => !three.includes(s));
    expect(await inboundOf(gone)).toEqual(gone.map(() => ""));

    // Revision 2 again (its delivery retried): it is not newer, and it writes nothing.
    expect(await supply().saveAsn("acme", notice(asnId, 2, two), AT)).toEqual({
      revision: 3,
      skus: [],
    });
    expect(await inboundOf(three)).toEqual(three.map(() => `${asnId}:5:2027-03-01`));
  });
});

/** The table, cut off (as a crash or a timeout would) after `writes` more write calls. */
class CutOffTable extends Table {
  constructor(
    name: string,
    private writes: number,
  ) {
    super(name);
  }

  private spend(): void {
    if (this.writes-- <= 0) throw new Error("cut off");
  }

  override transact(items: TransactItem[]) {
    this.spend();
    return super.transact(items);
  }

  override updateIf(key: Key, parts: UpdateParts) {
    this.spend();
    return super.updateIf(key, parts);
  }

  override putIf(...args: Parameters<Table["putIf"]>) {
    this.spend();
    return super.putIf(...args);
  }

  override updateReturning(key: Key, parts: UpdateParts) {
    this.spend();
    return super.updateReturning(key, parts);
  }
}

describe("a ship_complete order whose one shipment gathers 104 split parts", () => {
  /** 104 allocated parts of 26 SKUs (4 each), their SKUs holding the units for them. */
  async function partsOfOrder() {
    const names = Array.from({ length: 26 }, () => unique("PART"));
    for (const sku of names) {
      await store.catalog.putSkuPolicy(
        { sku, name: sku, onHand: 4, backorder: { allowed: true }, substitutes: [] },
        AT,
      );
      await store.table.updateIf(keys.sku(sku), {
        set: ["allocated = :n", "committed = :n", "atp = :zero", "#free = :zero"],
        names: { "#free": "free" },
        values: { ":n": 4, ":zero": 0 },
      });
    }
    return { names, ...(await storedOrder(104, "allocated", names)) };
  }

  const statuses = async (orderId: string) => [
    ...new Set((await store.listLines(orderId)).map((l) => l.status)),
  ];

  /** Each line charged and joining its shipment's request, as its execution would. */
  async function chargeAll(lines: Line[], at: Date) {
    for (const line of lines) {
      expect(
        await store.transitionLine(line.orderId, line.lineId, "allocated", "charged", at),
      ).toBe(true);
    }
    for (const line of await store.listLines(lines[0]?.orderId as string)) {
      if (line.status === "charged") await shipments.requestShipmentLine(line, at);
    }
  }

  it("forms it, has it requested, shipped and delivered: every part moves, the units leave once", async () => {
    const { names, order, lines } = await partsOfOrder();
    const shipmentId = `shp_${unique("big")}`;

    expect(await shipments.createShipment(order, lines, shipmentId, AT)).toBe(true);
    const after = await store.listLines(order.orderId);
    expect(after.every((l) => l.shipmentId === shipmentId)).toBe(true);
    expect(Object.keys((await shipments.getShipment(shipmentId))?.lines ?? {})).toHaveLength(104);

    await chargeAll(lines, later(1));
    expect((await shipments.getShipment(shipmentId))?.status).toBe("requested");
    expect(await statuses(order.orderId)).toEqual(["shipment_requested"]);

    expect(await shipments.shipShipment(shipmentId, "UPS", "1Z-BIG", later(2))).toBe("shipped");
    expect(await statuses(order.orderId)).toEqual(["shipped"]);
    expect((await store.listLines(order.orderId)).every((l) => l.trackingNumber === "1Z-BIG")).toBe(
      true,
    );
    for (const sku of names) {
      expect(await store.getSku(sku)).toMatchObject({ onHand: 0, allocated: 0 });
    }
    expect(await shipments.shipShipment(shipmentId, "UPS", "1Z-BIG", later(3))).toBe(
      "already-shipped",
    );

    expect(await shipments.deliverShipment(shipmentId, later(4))).toBe("delivered");
    expect(await statuses(order.orderId)).toEqual(["delivered"]);
    expect((await shipments.getShipment(shipmentId))?.status).toBe("delivered");
  });

  it("a formation cut off is finished by the next planner of the order, without a line cancelled meanwhile", async () => {
    const { order, lines } = await partsOfOrder();
    // Cut off after its claim and 50 lines joined.
    const cut = new DynamoDbShipments(new CutOffTable(TABLE, 51));
    await expect(cut.createShipment(order, lines, "shp_cut", AT)).rejects.toThrow("cut off");
    // The joins it had already sent land.
    await new Promise((r) => setTimeout(r, 500));
    const joined = (await store.listLines(order.orderId)).filter((l) => l.shipmentId);
    expect(joined.length).toBe(50);
    expect((await store.table.get(keys.order(order.orderId)))?.forming).toBe("shp_cut");
    const unjoined = lines.find((l) => !joined.some((j) => j.lineId === l.lineId)) as Line;
    await store.transitionLine(order.orderId, unjoined.lineId, "allocated", "cancelled", later(1));

    // Another part's planner: it finishes the claimed formation and plans again.
    expect(await shipments.createShipment(order, lines, "shp_other", later(2))).toBe(false);
    expect(await shipments.getShipment("shp_other")).toBeNull();
    const after = await store.listLines(order.orderId);
    expect(after.filter((l) => l.shipmentId === "shp_cut")).toHaveLength(103);
    const formed = await shipments.getShipment("shp_cut");
    expect(Object.keys(formed?.lines ?? {})).toHaveLength(103);
    expect(formed?.lines).not.toHaveProperty(unjoined.lineId);
    expect(formed?.pending).toHaveLength(103);
    expect((await store.table.get(keys.order(order.orderId)))?.forming).toBeUndefined();

    // Every part charged: the shipment is requested.
    await chargeAll(
      after.filter((l) => l.status === "allocated"),
      later(3),
    );
    expect((await shipments.getShipment("shp_cut"))?.status).toBe("requested");
  });

  it("a formation cut off after its lines joined is finished by the first part to join its request", async () => {
    const { order, lines } = await partsOfOrder();
    const cut = new DynamoDbShipments(new CutOffTable(TABLE, 1 + 104));
    await expect(cut.createShipment(order, lines, "shp_late", AT)).rejects.toThrow("cut off");
    const first = (await store.getLine(order.orderId, lines[0]?.lineId as string)) as Line;
    expect(first.shipmentId).toBe("shp_late");
    expect(
      await store.transitionLine(order.orderId, first.lineId, "allocated", "charged", AT),
    ).toBe(true);
    await shipments.requestShipmentLine(
      (await store.getLine(order.orderId, first.lineId)) as Line,
      AT,
    );
    expect((await store.table.get(keys.order(order.orderId)))?.forming).toBeUndefined();
    expect((await store.table.get(keys.shipment("shp_late")))?.joining).toBeUndefined();
    await chargeAll(lines.slice(1), later(1));
    expect((await shipments.getShipment("shp_late"))?.status).toBe("requested");
  });

  it("shipping and delivering cut off are finished by the warehouse's retry; the units leave once", async () => {
    const { names, order, lines } = await partsOfOrder();
    expect(await shipments.createShipment(order, lines, "shp_retry", AT)).toBe(true);
    await chargeAll(lines, later(1));

    // Its claim and one batch of lines (with their units) went through, then it was cut off.
    const cut = new DynamoDbShipments(new CutOffTable(TABLE, 2));
    await expect(cut.shipShipment("shp_retry", "UPS", "1Z-R", later(2))).rejects.toThrow("cut off");
    const moved = (await store.listLines(order.orderId)).filter((l) => l.status === "shipped");
    expect(moved.length).toBeGreaterThan(0);
    expect(moved.length).toBeLessThan(104);
    // Meanwhile it is not another tracking number's to ship.
    expect(await shipments.shipShipment("shp_retry", "DHL", "JD-OTHER", later(3))).toBe(
      "not-requested",
    );
    expect(await shipments.shipShipment("shp_retry", "UPS", "1Z-R", later(3))).toBe("shipped");
    expect(await statuses(order.orderId)).toEqual(["shipped"]);
    for (const sku of names) {
      expect(await store.getSku(sku)).toMatchObject({ onHand: 0, allocated: 0 });
    }
    expect(await shipments.getShipment("shp_retry")).toMatchObject({
      status: "shipped",
      carrier: "UPS",
      trackingNumber: "1Z-R",
    });

    const cutAgain = new DynamoDbShipments(new CutOffTable(TABLE, 1));
    await expect(cutAgain.deliverShipment("shp_retry", later(4))).rejects.toThrow("cut off");
    expect((await statuses(order.orderId)).sort()).toEqual(["delivered", "shipped"]);
    expect(await shipments.deliverShipment("shp_retry", later(5))).toBe("delivered");
    expect(await statuses(order.orderId)).toEqual(["delivered"]);
    expect(await shipments.deliverShipment("shp_retry", later(6))).toBe("already-delivered");
  });

  it("two warehouse calls at once ship it once and deliver it once", async () => {
    const { names, order, lines } = await partsOfOrder();
    expect(await shipments.createShipment(order, lines, "shp_twice", AT)).toBe(true);
    await chargeAll(lines, later(1));
    const other = new DynamoDbShipments(new Table(TABLE));
    const shipped = await Promise.all([
      shipments.shipShipment("shp_twice", "UPS", "1Z-T", later(2)),
      other.shipShipment("shp_twice", "UPS", "1Z-T", later(2)),
    ]);
    expect(shipped.every((o) => o === "shipped" || o === "already-shipped")).toBe(true);
    expect(await statuses(order.orderId)).toEqual(["shipped"]);
    for (const sku of names) {
      expect(await store.getSku(sku)).toMatchObject({ onHand: 0, allocated: 0 });
    }
    const delivered = await Promise.all([
      shipments.deliverShipment("shp_twice", later(3)),
      other.deliverShipment("shp_twice", later(3)),
    ]);
    expect(delivered.every((o) => o === "delivered" || o === "already-delivered")).toBe(true);
    expect(await statuses(order.orderId)).toEqual(["delivered"]);
  });
});

describe("the last line to join a shipment's request", () => {
  it("requests the shipment in its own write; told it is last when it is not, it only joins", async () => {
    const { order, lines } = await storedOrder(2, "allocated");
    const [first, second] = lines as [Line, Line];
    const shipmentId = `shp_${unique("last")}`;
    expect(await shipments.createShipment(order, lines, shipmentId, AT)).toBe(true);
    const charged = async (line: Line, at: Date) => {
      expect(
        await store.transitionLine(line.orderId, line.lineId, "allocated", "charged", at),
      ).toBe(true);
      return (await store.getLine(line.orderId, line.lineId)) as Line;
    };

    // A stale read said the other line had joined: the write finds it has not.
    await shipments.requestShipmentLine(await charged(first, later(1)), later(1), { last: true });
    expect((await store.getLine(order.orderId, first.lineId))?.status).toBe("shipment_requested");
    expect(await shipments.getShipment(shipmentId)).toMatchObject({
      status: "forming",
      pending: [second.lineId],
    });

    await shipments.requestShipmentLine(await charged(second, later(2)), later(2), { last: true });
    expect((await store.getLine(order.orderId, second.lineId))?.status).toBe("shipment_requested");
    const requested = await store.table.get(keys.shipment(shipmentId));
    expect(requested).toMatchObject({ status: "requested", gsi1pk: "SHIPMENTS#requested" });
    expect(requested).not.toHaveProperty("pending");
    const listed = await allPages((page) => shipments.listShipments("requested", page), 100);
    expect(listed.items.filter((s) => s.shipmentId === shipmentId)).toHaveLength(1);
  });
});
