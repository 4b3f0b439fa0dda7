import { describe, expect, it } from "vitest";
import {
  keys,
  lineItem,
  orderItem,
  type Item as TableItem,
} from "../../shared/adapters/dynamodb/table.ts";
import { sandboxPayments } from "../../shared/adapters/sandbox-payment.ts";
import { MESSAGE_KEY_HEADER as MAILER_HEADER } from "../../shared/adapters/ses-mailer.ts";
import type { LineStatus } from "../../shared/domain/line-states.ts";
import {
  type Line,
  lineAmount,
  lineSchema,
  type Order,
  orderSchema,
  skuSchema,
} from "../../shared/domain/model.ts";
import {
  messageKeyOf,
  type NotificationKind,
  notificationKey,
  notificationSchema,
} from "../../shared/domain/notifications.ts";
import type { WaitKind } from "../../shared/domain/waits.ts";
import { receiptRecordSchema } from "../../shared/ports/allocation.ts";
import { idempotencyRecordSchema } from "../../shared/ports/orders.ts";
import { nextTry, WAKE_GRACE_SECONDS } from "../../shared/services/wakes.ts";
import {
  chargeKey,
  checkInvariants,
  DEFAULT_OWED_GRACE_MS,
  formatInvariantResults,
  INVARIANTS,
  type InvariantName,
  type InvariantOptions,
  type InvariantResult,
  KEYS,
  type MailRecord,
  MESSAGE_KEY_HEADER,
  mailsFromSesStore,
  type PaymentRecord,
  refundKey,
  type Snapshot,
  sandboxChargeId,
  sandboxRefundId,
} from "../soak/invariants.ts";

/**
 * A small world, consistent end to end, written as the adapters write it (the items of
 * shared/adapters/dynamodb/table.ts `lineItem`/`orderItem`/`keys`, each entity parsed by its
 * schema as it is built), then broken one way per test: exactly the invariant that guards
 * against that break fails, naming the ids involved.
 *
 * WIDGET starts with 2 on hand, GADGET with 5.
 *   O1 (t1): L1 WIDGET x2 from stock; charged, requested, shipped, delivered (shipment S1).
 *   O2 (t5): L2 WIDGET x3 backordered; receipt R1 (t7, 3 units) fills it; charged, requested.
 *   O3 (t6): L3 WIDGET x2 backordered; receipt R2 (t9, 1 unit) fills 1 and splits off L3r x1,
 *            still waiting; L3 charged, requested.
 *   O4 (t6+30s): L4 WIDGET x2 backordered, cancelled by the customer at t11.
 *   O5 (t12): L5 GADGET x1 from stock; charged, then cancelled and refunded.
 * WIDGET ends with 4 on hand (2 - 2 shipped + 3 + 1), 4 allocated (L2, L3), 1 backordered
 * (L3r); GADGET with 5 on hand, nothing held.
 */
const BASE = Date.parse("2030-03-02T10:00:00.000Z");
const t = (minutes: number) => new Date(BASE + minutes * 60_000).toISOString();
const BASELINE = { WIDGET: 2, GADGET: 5 };

interface Variant {
  /** When O3 was placed (the FIFO break places it before O2). */
  o3At: string;
}

function order(orderId: string, createdAt: string): Order {
  return orderSchema.parse({
    orderId,
    orderRef: `SHOP-${orderId}`,
    status: "open",
    customer: { email: `${orderId}@example.com`, name: "Ada Lovelace" },
    shippingAddress: {
      line1: "1 Main St",
      city: "Springfield",
      postalCode: "12345",
      country: "US",
    },
    splitPolicy: "ship_as_available",
    payment: { provider: "sandbox", customerRef: "cus_1", paymentMethodRef: "pm_card_visa" },
    currency: "USD",
    createdAt,
  });
}

function line(
  fields: Pick<Line, "orderId" | "lineId" | "sku" | "qty" | "createdAt"> & Partial<Line>,
  path: [LineStatus, string][],
): Line {
  const history = path.map(([status, at]) => ({ status, at }));
  const last = path[path.length - 1];
  return lineSchema.parse({
    lineRef: "1",
    unitPrice: 1000,
    currency: "USD",
    eta: null,
    promisedBy: "2030-03-20",
    lastContactAt: fields.createdAt,
    promiseEscalated: false,
    shipmentId: null,
    trackingNumber: null,
    ...fields,
    status: last?.[0],
    history,
  });
}

const charged = (l: Pick<Line, "lineId" | "qty" | "unitPrice" | "currency">) => ({
  chargeAttempts: 1,
  charge: {
    chargeId: sandboxChargeId(chargeKey(l.lineId, 1)),
    amount: lineAmount(l),
    currency: l.currency,
    attempt: 1,
  },
});

/** A line item as stored, with what its execution wrote on it (park, wake mark); a
 * finished line is off the live-lines index. */
function lineAsStored(l: Line, extra: { park?: WaitKind; wakeDue?: string } = {}): TableItem {
  const item: TableItem = {
    ...lineItem(l),
    ...(extra.park ? { waitToken: `token-${l.lineId}`, waitingFor: extra.park } : {}),
    ...(extra.wakeDue
      ? { wakeDue: extra.wakeDue, wakeAttempts: 0, gsi2pk: "WAKE#3", gsi2sk: extra.wakeDue }
      : {}),
  };
  if (l.status === "delivered" || l.status === "cancelled") {
    delete item.gsi3pk;
    delete item.gsi3sk;
  }
  return item;
}

function skuAsStored(sku: string, onHand: number, allocated: number, backorderedQty: number) {
  const committed = allocated + backorderedQty;
  const item = {
    ...keys.sku(sku),
    ...keys.skuList(sku),
    type: "sku",
    sku,
    name: sku.toLowerCase(),
    onHand,
    allocated,
    backorderedQty,
    committed,
    atp: onHand - committed,
    free: onHand - allocated,
    backorder: { allowed: true },
    substitutes: [],
    updatedAt: t(0),
  };
  skuSchema.parse(item);
  return item;
}

function receiptAsStored(receiptId: string, sku: string, qty: number, at: string, left = 0) {
  const item = {
    ...keys.receipt(receiptId),
    type: "receipt",
    receiptId,
    lines: [{ sku, qty }],
    requestHash: `hash-${receiptId}`,
    allocations: [],
    unitsLeft: { [sku]: left },
    // Each SKU's entry goes once its units are in stock.
    pendingStock: {},
    inbound: [],
    done: left === 0,
    createdAt: at,
  };
  receiptRecordSchema.parse(item);
  return item;
}

function fillsAsStored(receiptId: string, at: string, filled: Line[]) {
  return {
    pk: keys.receipt(receiptId).pk,
    sk: `ALLOC#${at}#${filled[0]?.lineId}`,
    type: "receipt-allocations",
    fills: filled.map((l) => ({ lineId: l.lineId, orderId: l.orderId, sku: l.sku, qty: l.qty })),
  };
}

function intakeAsStored(o: Order, placed: Line[]) {
  const item = {
    ...keys.idempotency("orders", `key-${o.orderId}`),
    type: "idempotency",
    scope: "orders",
    key: `key-${o.orderId}`,
    requestHash: `hash-${o.orderId}`,
    orderId: o.orderId,
    created: { order: o, lines: placed },
    createdAt: o.createdAt,
    expiresAt: Math.floor(Date.parse(o.createdAt) / 1000) + 7 * 86_400,
    followUpDone: true,
  };
  idempotencyRecordSchema.parse(item);
  return item;
}

let mailCount = 0;

/** A sent email: its claim (NOTIF#<key>) and the mail the store kept. */
function email(
  o: Order,
  kind: NotificationKind,
  lines: Line[],
  at: string,
  occasion = "",
): { item: TableItem; mail: MailRecord } {
  const key = notificationKey(
    kind,
    lines.map((l) => l.lineId),
    occasion,
  );
  const messageId = `mail-${++mailCount}`;
  const subject = `${kind} ${o.orderRef}`;
  const item = {
    ...keys.notification(o.orderId, key),
    ...keys.notificationListed(o.orderId, key, at),
    type: "notification",
    kind,
    to: o.customer.email,
    subject,
    sentAt: at,
    lineIds: lines.map((l) => l.lineId),
    messageKey: messageKeyOf(o.orderId, key),
    state: "sent",
    claimedAt: at,
    attempts: 1,
    messageId,
  };
  notificationSchema.parse(item);
  const mail = {
    messageId,
    to: [o.customer.email],
    subject,
    headers: [{ name: MESSAGE_KEY_HEADER, value: messageKeyOf(o.orderId, key) }],
  };
  return { item, mail };
}

function world(variant: Partial<Variant> = {}) {
  const o3At = variant.o3At ?? t(6);
  const o1 = order("ord_01", t(1));
  const o2 = order("ord_02", t(5));
  const o3 = order("ord_03", o3At);
  const o4 = order("ord_04", new Date(BASE + 6.5 * 60_000).toISOString());
  const o5 = order("ord_05", t(12));

  const placed = {
    l1: line({ orderId: o1.orderId, lineId: "ln_01", sku: "WIDGET", qty: 2, createdAt: t(1) }, [
      ["allocated", t(1)],
    ]),
    l2: line({ orderId: o2.orderId, lineId: "ln_02", sku: "WIDGET", qty: 3, createdAt: t(5) }, [
      ["backordered", t(5)],
    ]),
    l3: line({ orderId: o3.orderId, lineId: "ln_03", sku: "WIDGET", qty: 2, createdAt: o3At }, [
      ["backordered", o3At],
    ]),
    l4: line(
      { orderId: o4.orderId, lineId: "ln_04", sku: "WIDGET", qty: 2, createdAt: o4.createdAt },
      [["backordered", o4.createdAt]],
    ),
    l5: line({ orderId: o5.orderId, lineId: "ln_05", sku: "GADGET", qty: 1, createdAt: t(12) }, [
      ["allocated", t(12)],
    ]),
  };
  const l1 = line(
    { ...placed.l1, ...charged(placed.l1), shipmentId: "shp_1", trackingNumber: "TRK1" },
    [
      ["allocated", t(1)],
      ["charged", t(2)],
      ["shipment_requested", t(2)],
      ["shipped", t(3)],
      ["delivered", t(4)],
    ],
  );
  const l2 = line({ ...placed.l2, ...charged(placed.l2), shipmentId: "shp_2" }, [
    ["backordered", t(5)],
    ["allocated", t(7)],
    ["charged", t(8)],
    ["shipment_requested", t(8)],
  ]);
  // The part filled keeps the id and takes the quantity filled ...
  const l3Filled = { ...placed.l3, qty: 1 };
  const l3 = line({ ...l3Filled, ...charged(l3Filled), shipmentId: "shp_3" }, [
    ["backordered", o3At],
    ["allocated", t(9)],
    ["charged", t(10)],
    ["shipment_requested", t(10)],
  ]);
  // ... the rest waits as a new line in its place (shared/domain/allocation.ts splitRemainder).
  const l3r = line({ ...placed.l3, lineId: "ln_03r", qty: 1, splitFrom: "ln_03" }, [
    ["backordered", o3At],
  ]);
  const l4 = line({ ...placed.l4, cancelReason: "customer" }, [
    ["backordered", o4.createdAt],
    ["cancelled", t(11)],
  ]);
  const l5 = line(
    {
      ...placed.l5,
      ...charged(placed.l5),
      cancelReason: "customer",
      refund: { refundId: sandboxRefundId(refundKey("ln_05")), amount: 1000, currency: "USD" },
    },
    [
      ["allocated", t(12)],
      ["charged", t(13)],
      ["cancelled", t(14)],
    ],
  );

  const emails = [
    email(o1, "charged", [l1], t(2), l1.charge?.chargeId),
    email(o1, "shipped", [l1], t(3), "shp_1"),
    email(o1, "delivered", [l1], t(4), "shp_1"),
    email(o2, "backordered", [l2], t(5)),
    email(o2, "charged", [l2], t(8), l2.charge?.chargeId),
    email(o3, "backordered", [l3], o3At),
    email(o3, "charged", [l3], t(10), l3.charge?.chargeId),
    email(o4, "backordered", [l4], o4.createdAt),
    email(o4, "cancelled", [l4], t(11)),
    email(o5, "charged", [l5], t(13), l5.charge?.chargeId),
    email(o5, "cancelled", [l5], t(14)),
  ];

  const items: TableItem[] = [
    skuAsStored("WIDGET", 4, 4, 1),
    skuAsStored("GADGET", 5, 0, 0),
    ...[o1, o2, o3, o4, o5].map(orderItem),
    intakeAsStored(o1, [placed.l1]),
    intakeAsStored(o2, [placed.l2]),
    intakeAsStored(o3, [placed.l3]),
    intakeAsStored(o4, [placed.l4]),
    intakeAsStored(o5, [placed.l5]),
    lineAsStored(l1, { park: "delivered" }),
    lineAsStored(l2, { park: "shipped" }),
    lineAsStored(l3, { park: "shipped" }),
    lineAsStored(l3r, { park: "stock" }),
    // Cancelled while parked: the cancel's wake-up mark stays on the finished line.
    lineAsStored(l4, { park: "stock", wakeDue: `${t(11)}#a1b2c3d4` }),
    lineAsStored(l5, { park: "group" }),
    receiptAsStored("rcv_1", "WIDGET", 3, t(7)),
    fillsAsStored("rcv_1", t(7), [l2]),
    receiptAsStored("rcv_2", "WIDGET", 1, t(9)),
    fillsAsStored("rcv_2", t(9), [l3]),
    ...emails.map((e) => e.item),
  ];
  const payments: PaymentRecord[] = [
    ...[l1, l2, l3, l5].map((l) => ({
      kind: "charge" as const,
      id: sandboxChargeId(chargeKey(l.lineId, 1)),
      idempotencyKey: chargeKey(l.lineId, 1),
      amount: lineAmount(l),
    })),
    {
      kind: "refund",
      id: sandboxRefundId(refundKey("ln_05")),
      idempotencyKey: refundKey("ln_05"),
      amount: 1000,
    },
  ];
  const snapshot: Snapshot & {
    items: TableItem[];
    mails: MailRecord[];
    payments: PaymentRecord[];
  } = { items, mails: emails.map((e) => e.mail), payments };
  return { snapshot, orders: { o1, o2, o3, o4, o5 }, lines: { l1, l2, l3, l3r, l4, l5 } };
}

const OPTIONS: InvariantOptions = { onHandBaseline: BASELINE, now: t(20) };

/** The item whose keys are these. */
function itemOf(snapshot: { items: TableItem[] }, key: { pk: string; sk: string }): TableItem {
  const found = snapshot.items.find((i) => i.pk === key.pk && i.sk === key.sk);
  if (!found) throw new Error(`no item ${key.pk} ${key.sk}`);
  return found;
}

function failing(results: InvariantResult[]): InvariantName[] {
  return results.filter((r) => !r.ok).map((r) => r.name);
}

function resultOf(results: InvariantResult[], name: InvariantName): InvariantResult {
  const found = results.find((r) => r.name === name);
  if (!found) throw new Error(`no result ${name}`);
  return found;
}

/** Exactly `name` fails, with a violation naming every one of `ids`. */
function expectOnly(results: InvariantResult[], name: InvariantName, ...ids: string[]) {
  expect(failing(results), formatInvariantResults(results)).toEqual([name]);
  const result = resultOf(results, name);
  expect(result.violationCount).toBeGreaterThan(0);
  expect(result.violations.length).toBe(Math.min(result.violationCount, 20));
  expect(
    result.violations.some((v) => ids.every((id) => v.includes(id))),
    result.violations.join("\n"),
  ).toBe(true);
  return result;
}

describe("the invariants checker's names for the data", () => {
  it("uses the keys table.ts builds", () => {
    expect(keys.sku("X")).toEqual({ pk: `${KEYS.skuPk}X`, sk: KEYS.skuSk });
    expect(keys.order("O")).toEqual({ pk: `${KEYS.orderPk}O`, sk: KEYS.orderSk });
    expect(keys.line("O", "L")).toEqual({ pk: `${KEYS.orderPk}O`, sk: `${KEYS.lineSk}L` });
    expect(keys.notification("O", "k#l")).toEqual({
      pk: `${KEYS.orderPk}O`,
      sk: `${KEYS.notificationSk}k#l`,
    });
    expect(keys.receipt("R")).toEqual({ pk: `${KEYS.receiptPk}R`, sk: KEYS.receiptSk });
    expect(keys.idempotency("orders", "K")).toEqual({
      pk: `${KEYS.idempotencyPk}K`,
      sk: KEYS.idempotencySk,
    });
    expect(keys.waiting({ sku: "X", createdAt: "T", lineId: "L" })).toEqual({
      gsi4pk: `${KEYS.waiting}X`,
      gsi4sk: "T#L",
    });
    expect(keys.live({ lineId: "L" }).gsi3pk.startsWith(KEYS.live)).toBe(true);
  });

  it("reads the header the mailer sends", () => {
    expect(MESSAGE_KEY_HEADER).toBe(MAILER_HEADER);
  });

  it("derives the sandbox's own charge and refund ids", async () => {
    const payment = {
      provider: "sandbox" as const,
      customerRef: "c",
      paymentMethodRef: "pm_card_visa",
    };
    const charge = await sandboxPayments.charge({
      payment,
      amount: 100,
      currency: "USD",
      idempotencyKey: chargeKey("ln_9", 2),
      description: "d",
    });
    expect(charge).toEqual({ outcome: "succeeded", chargeId: sandboxChargeId("ln_9:charge:2") });
    const refund = await sandboxPayments.refund({
      payment,
      chargeId: "x",
      amount: 100,
      currency: "USD",
      idempotencyKey: refundKey("ln_9"),
    });
    expect(refund.refundId).toBe(sandboxRefundId("ln_9:refund"));
  });

  it("waits longer for an owed wake-up than the deliverer's grace and longest backoff", () => {
    const now = new Date(BASE);
    const longest = nextTry(now, 30).getTime() - now.getTime();
    expect(DEFAULT_OWED_GRACE_MS).toBeGreaterThan(WAKE_GRACE_SECONDS * 1000 + longest);
  });

  it("reads aws-ses-v2-local's store", () => {
    const mails = mailsFromSesStore({
      emails: [
        {
          messageId: "m1",
          from: "shop@example.com",
          replyTo: [],
          destination: { to: ["a@example.com"], cc: [], bcc: [] },
          subject: "Your order",
          body: { text: "hi" },
          attachments: [],
          headers: [{ name: MESSAGE_KEY_HEADER, value: "k1" }],
          at: 1,
        },
      ],
    });
    expect(mails).toEqual([
      {
        messageId: "m1",
        to: ["a@example.com"],
        subject: "Your order",
        headers: [{ name: MESSAGE_KEY_HEADER, value: "k1" }],
        at: 1,
      },
    ]);
  });
});

describe("a consistent world", () => {
  it("passes every invariant, each having looked at something", () => {
    const results = checkInvariants(world().snapshot, OPTIONS);
    expect(results.map((r) => r.name)).toEqual([...INVARIANTS]);
    expect(failing(results), formatInvariantResults(results)).toEqual([]);
    for (const r of results) {
      expect(r.skipped, r.name).toBe(false);
      expect(r.checked, r.name).toBeGreaterThan(0);
      expect(r.violations).toEqual([]);
    }
    expect(formatInvariantResults(results)).toContain("ok   fifo");
  });

  it("passes without the mail store, the ledger, a baseline or a time, and says what it left out", () => {
    const { snapshot } = world();
    const results = checkInvariants({ items: snapshot.items });
    expect(failing(results)).toEqual([]);
    expect(resultOf(results, "no-duplicate-email").notes.join(" ")).toContain("no mail store");
    expect(resultOf(results, "single-charge").notes.join(" ")).toContain("no payment ledger");
    expect(resultOf(results, "stock-conservation").notes.join(" ")).toContain("no onHandBaseline");
    expect(resultOf(results, "no-stale-park").notes.join(" ")).toContain("no `now`");
  });

  it("skips what it is told to", () => {
    const results = checkInvariants(world().snapshot, { ...OPTIONS, skip: ["fifo"] });
    expect(resultOf(results, "fifo")).toMatchObject({ skipped: true, ok: true, checked: 0 });
  });
});

describe("each invariant catches its break", () => {
  it("stock-conservation: units appear or vanish from onHand", () => {
    const { snapshot } = world();
    const gadget = itemOf(snapshot, keys.sku("GADGET"));
    // One unit gone, the stored figures moved with it: only the accounting tells.
    Object.assign(gadget, { onHand: 4, atp: 4, free: 4 });
    expectOnly(checkInvariants(snapshot, OPTIONS), "stock-conservation", "GADGET", "onHand is 4");
  });

  it("stock-conservation: a stored figure drifts from the counters", () => {
    const { snapshot } = world();
    itemOf(snapshot, keys.sku("WIDGET")).free = 1;
    expectOnly(checkInvariants(snapshot, OPTIONS), "stock-conservation", "WIDGET", "free is 1");
  });

  it("stock-conservation: a receipt gives more than it brought", () => {
    const { snapshot } = world();
    itemOf(snapshot, keys.receipt("rcv_2")).unitsLeft = { WIDGET: -1 };
    expectOnly(checkInvariants(snapshot, OPTIONS), "stock-conservation", "rcv_2", "below 0");
  });

  it("counters-match-lines: backorderedQty off by one", () => {
    const { snapshot } = world();
    // committed and atp moved with it, as a write of stock.ts would: the sum of lines tells.
    Object.assign(itemOf(snapshot, keys.sku("WIDGET")), {
      backorderedQty: 2,
      committed: 6,
      atp: -2,
    });
    expectOnly(
      checkInvariants(snapshot, OPTIONS),
      "counters-match-lines",
      "WIDGET",
      "backorderedQty is 2",
      "off by 1",
      "ln_03r",
    );
  });

  it("fifo: a younger line allocated while an older one waited", () => {
    // O3 placed before O2: R1's 3 units at t7 were L3's (the head) first, not L2's.
    const { snapshot } = world({ o3At: t(4) });
    const result = expectOnly(
      checkInvariants(snapshot, OPTIONS),
      "fifo",
      "ln_02",
      "ln_03 ",
      "left the queue allocated",
    );
    expect(result.violationCount).toBe(1);
  });

  it("fifo: within the tolerance it is not a violation", () => {
    const { snapshot } = world({ o3At: t(4) });
    const results = checkInvariants(snapshot, { ...OPTIONS, fifoToleranceMs: 5 * 60_000 });
    expect(failing(results)).toEqual([]);
  });

  it("fifo: a waiting line off its queue", () => {
    const { snapshot } = world();
    delete itemOf(snapshot, keys.line("ord_03", "ln_03r")).gsi4pk;
    expectOnly(checkInvariants(snapshot, OPTIONS), "fifo", "ln_03r", "not on its SKU's queue");
  });

  it("reachable-statuses: a status skipped", () => {
    const { snapshot } = world();
    const l1 = itemOf(snapshot, keys.line("ord_01", "ln_01"));
    l1.history = (l1.history as { status: string }[]).filter((h) => h.status !== "shipped");
    expectOnly(
      checkInvariants(snapshot, OPTIONS),
      "reachable-statuses",
      "ln_01",
      "shipment_requested -> delivered",
    );
  });

  it("reachable-statuses: a move after a final status", () => {
    const { snapshot } = world();
    const l4 = itemOf(snapshot, keys.line("ord_04", "ln_04"));
    l4.history = [...(l4.history as object[]), { status: "cancelled", at: t(15) }];
    expectOnly(checkInvariants(snapshot, OPTIONS), "reachable-statuses", "ln_04", "final status");
  });

  it("single-charge: the provider charged a line twice", () => {
    const { snapshot } = world();
    snapshot.payments.push({
      kind: "charge",
      id: sandboxChargeId(chargeKey("ln_02", 2)),
      idempotencyKey: chargeKey("ln_02", 2),
      amount: 3000,
    });
    expectOnly(checkInvariants(snapshot, OPTIONS), "single-charge", "ln_02", "charged 2 times");
  });

  it("single-charge: a charge recorded on a line that never moved to charged", () => {
    const { snapshot, lines } = world();
    itemOf(snapshot, keys.line("ord_03", "ln_03r")).charge = lines.l2.charge;
    const result = expectOnly(
      checkInvariants(snapshot, OPTIONS),
      "single-charge",
      "ln_03r",
      "never moved to charged",
    );
    expect(result.violations.join("\n")).toMatch(/charge sbx_ch_\w+ is recorded on 2 lines/);
  });

  it("single-charge: a cancelled line keeps the money (at quiescence only)", () => {
    const { snapshot } = world();
    delete itemOf(snapshot, keys.line("ord_05", "ln_05")).refund;
    snapshot.payments.splice(
      snapshot.payments.findIndex((p) => p.kind === "refund"),
      1,
    );
    expectOnly(checkInvariants(snapshot, OPTIONS), "single-charge", "ln_05", "never refunded");
    expect(failing(checkInvariants(snapshot, { ...OPTIONS, quiescent: false }))).toEqual([]);
  });

  it("no-duplicate-email: one email in the mail store twice", () => {
    const { snapshot } = world();
    const first = snapshot.mails[0];
    if (!first) throw new Error("no mail");
    snapshot.mails.push({ ...first, messageId: "mail-again" });
    expectOnly(
      checkInvariants(snapshot, OPTIONS),
      "no-duplicate-email",
      "ord_01",
      "went out 2 times",
    );
  });

  it("no-duplicate-email: the crash window's duplicate may be noted instead", () => {
    const { snapshot } = world();
    const first = snapshot.mails[0];
    if (!first) throw new Error("no mail");
    snapshot.mails.push({ ...first, messageId: "mail-again" });
    // The claim was taken once: a second send went past it, whatever the option says.
    const options = { ...OPTIONS, crashWindowDuplicates: "note" as const };
    expectOnly(checkInvariants(snapshot, options), "no-duplicate-email", "claimed 1 times");
    // Taken twice (the first send's mark lost, its lease run out): the documented window.
    const claim = snapshot.items.find((i) => i.messageId === first.messageId);
    if (!claim) throw new Error("no claim");
    claim.attempts = 2;
    const results = checkInvariants(snapshot, options);
    expect(failing(results)).toEqual([]);
    expect(resultOf(results, "no-duplicate-email").notes.join("\n")).toContain("crash window");
  });

  it("no-duplicate-email: one line's charged email under two keys", () => {
    const { snapshot, orders, lines } = world();
    const again = email(orders.o2, "charged", [lines.l2], t(9), "another-occasion");
    snapshot.items.push(again.item);
    snapshot.mails.push(again.mail);
    expectOnly(
      checkInvariants(snapshot, OPTIONS),
      "no-duplicate-email",
      "ln_02",
      "2 charged emails",
    );
  });

  it("no-duplicate-email: an email sent without a claim", () => {
    const { snapshot } = world();
    snapshot.mails.push({
      messageId: "mail-stray",
      to: ["x@example.com"],
      subject: "stray",
      headers: [{ name: MESSAGE_KEY_HEADER.toLowerCase(), value: "no-such-key" }],
    });
    expectOnly(
      checkInvariants(snapshot, OPTIONS),
      "no-duplicate-email",
      "no-such-key",
      "without a claim",
    );
  });

  it("orders-readable: an order missing a line", () => {
    const { snapshot } = world();
    const l4 = itemOf(snapshot, keys.line("ord_04", "ln_04"));
    snapshot.items.splice(snapshot.items.indexOf(l4), 1);
    const result = expectOnly(
      checkInvariants(snapshot, OPTIONS),
      "orders-readable",
      "ord_04",
      "ln_04",
      "missing",
    );
    expect(result.violations.join("\n")).toContain("order ord_04 has no lines");
  });

  it("orders-readable: an order that does not parse", () => {
    const { snapshot } = world();
    delete itemOf(snapshot, keys.order("ord_02")).customer;
    expectOnly(checkInvariants(snapshot, OPTIONS), "orders-readable", "ORDER#ord_02", "customer");
  });

  it("orders-readable: a split that made units", () => {
    const { snapshot } = world();
    // Placed for 3, now 1 filled and 1 waiting: a unit lost in the split.
    const intake = itemOf(snapshot, keys.idempotency("orders", "key-ord_03"));
    const created = intake.created as { lines: { qty: number }[] };
    const first = created.lines[0];
    if (!first) throw new Error("no placed line");
    first.qty = 3;
    expectOnly(checkInvariants(snapshot, OPTIONS), "orders-readable", "ln_03", "placed for 3");
  });

  it("no-stale-park: a line left waiting while its SKU has free stock", () => {
    const { snapshot } = world();
    // A receipt's unit in stock, never given to the queue (its allocation did not run).
    snapshot.items.push({ ...receiptAsStored("rcv_3", "WIDGET", 1, t(15), 1), done: true });
    Object.assign(itemOf(snapshot, keys.sku("WIDGET")), { onHand: 5, atp: 0, free: 1 });
    const result = expectOnly(
      checkInvariants(snapshot, OPTIONS),
      "no-stale-park",
      "WIDGET",
      "ln_03r",
      "1 free unit",
    );
    expect(result.violationCount).toBe(1);
  });

  it("no-stale-park: a receipt left unfinished", () => {
    const { snapshot } = world();
    itemOf(snapshot, keys.receipt("rcv_2")).done = false;
    expectOnly(checkInvariants(snapshot, OPTIONS), "no-stale-park", "rcv_2", "not done");
  });

  it("no-stale-park: an allocated line still parked for stock", () => {
    const { snapshot } = world();
    itemOf(snapshot, keys.line("ord_02", "ln_02")).waitingFor = "stock";
    expectOnly(checkInvariants(snapshot, OPTIONS), "no-stale-park", "ln_02", "waiting for stock");
  });

  it("no-stale-park: a wake-up owed for too long", () => {
    const { snapshot } = world();
    itemOf(snapshot, keys.line("ord_02", "ln_02")).wakeDue = `${t(9)}#0f0f0f0f`;
    expectOnly(checkInvariants(snapshot, { ...OPTIONS, now: t(60) }), "no-stale-park", "ln_02");
    // Within the deliverer's time it is still on its way.
    expect(failing(checkInvariants(snapshot, { ...OPTIONS, now: t(10) }))).toEqual([]);
  });

  it("no-stale-park: skipped when the system is not at rest", () => {
    const { snapshot } = world();
    itemOf(snapshot, keys.line("ord_02", "ln_02")).waitingFor = "stock";
    const results = checkInvariants(snapshot, { ...OPTIONS, quiescent: false });
    expect(failing(results)).toEqual([]);
    expect(resultOf(results, "no-stale-park")).toMatchObject({ skipped: true, ok: true });
  });
});
