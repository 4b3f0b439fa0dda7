import { describe, expect, it } from "vitest";
import type { AdvanceShippingNotice } from "../../../shared/domain/supply.ts";
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
    expect(await f.supply.getDelivery("acme", "msg_1")).toEqual(answer);
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
