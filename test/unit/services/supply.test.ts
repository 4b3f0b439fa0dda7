import { describe, expect, it } from "vitest";
import type { AdvanceShippingNotice } from "../../../shared/domain/supply.ts";
import { escalateLine } from "../../../shared/services/escalate.ts";
import { receiveStock } from "../../../shared/services/receive.ts";
import { receiveAsn, refreshEtas } from "../../../shared/services/supply.ts";
import { type Fakes, fakePorts } from "../../fakes/index.ts";

/** A notice of `qty` units of W for the 15th of January. */
const notice = (qty: number, asnId = "ASN-1"): AdvanceShippingNotice => ({
  asnId,
  revision: 1,
  estimatedDeliveryAt: "2027-01-15T00:00:00Z",
  lines: [{ sku: "W", qty }],
});

/** The store refuses to record any email (a table error, not a refusal by the provider). */
function emailsCannotBeRecorded(f: Fakes): () => void {
  const claim = f.notifications.claimNotification;
  f.notifications.claimNotification = async () => {
    throw new Error("ValidationException: the email could not be recorded");
  };
  return () => {
    f.notifications.claimNotification = claim;
  };
}

describe("an ETA email that cannot be recorded", () => {
  it("does not fail the notice: lines are dated, the answer stored, and the email goes at the next re-dating", async () => {
    const f = fakePorts();
    await f.given.sku("W", { backorder: { leadTimeDays: 60 } });
    const { order, line } = await f.given.order([{ sku: "W", qty: 2 }]);
    const restore = emailsCannotBeRecorded(f);

    const answer = await receiveAsn(f, { supplierId: "acme", webhookId: "msg_1", asn: notice(5) });

    expect(answer).toEqual({ asnId: "ASN-1", status: "accepted" });
    expect((await f.supply.getDelivery("acme", "msg_1"))?.answer).toEqual(answer);
    expect(await f.given.line(line)).toMatchObject({ eta: "2027-01-15" });
    expect(await f.given.emails(order.orderId)).toEqual([]);

    // The customer was not told: the next re-dating of the SKU tells them, once.
    restore();
    await refreshEtas(f, "W");
    await refreshEtas(f, "W");
    expect(await f.given.emails(order.orderId)).toEqual(["eta_updated"]);
    expect(await f.given.line(line)).toMatchObject({ notifiedEta: "2027-01-15" });
  });

  it("does not keep a receipt from being done", async () => {
    const f = fakePorts();
    await f.given.sku("W", { backorder: { leadTimeDays: 60 } });
    await f.given.order([{ sku: "W", qty: 2 }]);
    const waiting = (await f.given.order([{ sku: "W", qty: 3 }])).line;
    // Three units on their way: not enough for the second line (it needs five in all).
    await receiveAsn(f, { supplierId: "acme", webhookId: "msg_1", asn: notice(3) });
    expect(await f.given.line(waiting)).toMatchObject({ eta: null });
    emailsCannotBeRecorded(f);

    // The receipt fills the first line; the three on their way now cover the second, which
    // gets a date and is owed an email that cannot be recorded.
    const receipt = await receiveStock(f, { receiptId: "r1", lines: [{ sku: "W", qty: 2 }] });

    expect(receipt.done).toBe(true);
    expect(receipt.allocations.map((a) => a.qty)).toEqual([2]);
    expect(await f.given.line(waiting)).toMatchObject({
      status: "backordered",
      eta: "2027-01-15",
    });
    expect(await f.given.emails(waiting.orderId)).toEqual([]);
  });
});

describe("a notice that shows a waiting line will miss its promise", () => {
  /** A line of 2 × W ordered 2026-11-24 with a 7-day lead time: promised by 2026-12-01.
   * LAMP-OAK is in stock and listed instead of W. */
  async function promisedLine() {
    const f = fakePorts();
    await f.given.sku("OAK", { onHand: 4 });
    await f.given.sku("W", { backorder: { leadTimeDays: 7 }, substitutes: ["OAK"] });
    const { order, line } = await f.given.order([{ sku: "W", qty: 2 }]);
    expect(line.promisedBy).toBe("2026-12-01");
    return { f, order, line };
  }
  const dated = (day: string, revision = 1): AdvanceShippingNotice => ({
    asnId: "ASN-9",
    revision,
    estimatedDeliveryAt: `${day}T00:00:00Z`,
    lines: [{ sku: "W", qty: 5 }],
  });

  it("20 days late: the delay notice of its tier goes at once, days before the promised date", async () => {
    const { f, order, line } = await promisedLine();
    await receiveAsn(f, { supplierId: "acme", webhookId: "m1", asn: dated("2026-12-21") });

    // Still 2026-11-24: a week before the promise, the customer already knows.
    expect(await f.given.emails(order.orderId)).toEqual(["delay_notice"]);
    const [email] = f.mailer.sent;
    expect(email?.text).toContain("The new date is Mon, Dec 21, 2026 (2026-12-21).");
    expect(email?.text).toContain("- Item OAK, $20.00 (In stock, ships now)");
    expect(email?.text).toContain("10% off your next order");
    expect(email?.text).not.toContain("Please confirm");
    expect(await f.given.line(line)).toMatchObject({
      eta: "2026-12-21",
      promisedBy: "2026-12-21",
      firstPromisedBy: "2026-12-01",
      toldPromisedBy: "2026-12-21",
      notifiedEta: "2026-12-21",
      delays: 1,
      consentBy: null,
      owedNotice: null,
      remedy: { kind: "future_discount", percent: 10, code: null },
    });
    // Re-dating again (another notice of the SKU) tells them nothing twice.
    await refreshEtas(f, "W");
    expect(await f.given.emails(order.orderId)).toEqual(["delay_notice"]);
  });

  it("a revision past 30 days from the first promise asks consent by the new date, at once", async () => {
    const { f, order, line } = await promisedLine();
    await receiveAsn(f, { supplierId: "acme", webhookId: "m1", asn: dated("2026-11-30") });
    expect(await f.given.emails(order.orderId)).toEqual(["eta_updated"]);

    await receiveAsn(f, { supplierId: "acme", webhookId: "m2", asn: dated("2027-01-10", 2) });

    expect(await f.given.emails(order.orderId)).toEqual(["eta_updated", "delay_notice"]);
    expect(f.mailer.sent[1]?.text).toContain("confirm by Sun, Jan 10, 2027 (2027-01-10)");
    expect(await f.given.line(line)).toMatchObject({ consentBy: "2027-01-10", delays: 1 });
  });

  it("1–3 days late: the promise moves silently, and the new date is told as a date", async () => {
    const { f, order, line } = await promisedLine();
    await receiveAsn(f, { supplierId: "acme", webhookId: "m1", asn: dated("2026-12-03") });
    expect(await f.given.emails(order.orderId)).toEqual(["eta_updated"]);
    expect(await f.given.line(line)).toMatchObject({ promisedBy: "2026-12-03", delays: 0 });
  });

  it("a date the promise holds gets only eta_updated, and the promise stays", async () => {
    const { f, order, line } = await promisedLine();
    await receiveAsn(f, { supplierId: "acme", webhookId: "m1", asn: dated("2026-11-29") });
    expect(await f.given.emails(order.orderId)).toEqual(["eta_updated"]);
    expect(await f.given.line(line)).toMatchObject({ promisedBy: "2026-12-01", delays: 0 });
  });

  it("a delay notice the provider refuses stays owed, and the line is woken to send it", async () => {
    const { f, order, line } = await promisedLine();
    await f.given.park(line, "stock");
    // Refused at each of the request's quick sends.
    for (let i = 0; i < 3; i++) f.mailer.refuseNext();
    await receiveAsn(f, { supplierId: "acme", webhookId: "m1", asn: dated("2026-12-21") });
    expect(f.mailer.sent).toEqual([]);
    expect((await f.given.line(line)).owedNotice).toMatchObject({
      tier: "substitutes_future_discount",
    });
    expect(f.signals.wakes).toEqual([
      expect.objectContaining({ lineId: line.lineId, reason: "delay notice owed" }),
    ]);
    // The woken line's step sends it (the provider takes it now), once.
    expect(await escalateLine(f, order.orderId, line.lineId)).toMatchObject({
      escalated: "delay_notice",
    });
    expect(f.mailer.sent.map((e) => e.subject)).toEqual([`Order ${order.orderRef} is delayed`]);
    expect((await f.given.line(line)).owedNotice).toBeNull();
  });
});

describe("a webhook-id delivered again", () => {
  it("answers a redelivery of the same notice as before and changes nothing", async () => {
    const f = fakePorts();
    await f.given.sku("W", { backorder: { leadTimeDays: 60 } });
    const first = await receiveAsn(f, { supplierId: "acme", webhookId: "msg_1", asn: notice(5) });
    const again = await receiveAsn(f, { supplierId: "acme", webhookId: "msg_1", asn: notice(5) });
    expect(again).toEqual(first);
    expect((await f.supply.inbound("W")).map((i) => i.qty)).toEqual([5]);
  });

  it("refuses another notice under a webhook-id already taken (409), storing nothing of it", async () => {
    const f = fakePorts();
    await f.given.sku("W", { backorder: { leadTimeDays: 60 } });
    await receiveAsn(f, { supplierId: "acme", webhookId: "msg_1", asn: notice(5) });
    const other = { ...notice(9), asnId: "ASN-2" };
    await expect(
      receiveAsn(f, { supplierId: "acme", webhookId: "msg_1", asn: other }),
    ).rejects.toMatchObject({ kind: "conflict", code: "webhook-id-reused" });
    expect(await f.supply.getAsn("acme", "ASN-2")).toBeNull();
    expect((await f.supply.inbound("W")).map((i) => i.qty)).toEqual([5]);
  });
});
