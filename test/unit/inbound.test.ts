import { describe, expect, it } from "vitest";
import { type Inbound, inboundEta, waitingEtas } from "../../shared/domain/inbound.ts";

const notice = (asnId: string, qty: number, at: string): Inbound => ({
  asnId,
  supplierId: "acme",
  qty,
  estimatedDeliveryAt: `${at}T00:00:00Z`,
});

describe("inboundEta", () => {
  it("serves the queue ahead first, soonest notice first", () => {
    const inbound = [notice("late", 50, "2026-12-20"), notice("soon", 10, "2026-12-10")];
    expect(inboundEta(inbound, 0)).toBe("2026-12-10");
    expect(inboundEta(inbound, 9)).toBe("2026-12-10");
    expect(inboundEta(inbound, 10)).toBe("2026-12-20");
    expect(inboundEta(inbound, 59)).toBe("2026-12-20");
  });

  it("is null when inbound does not reach past the queue, or there is none", () => {
    expect(inboundEta([notice("a", 5, "2026-12-10")], 5)).toBeNull();
    expect(inboundEta([], 0)).toBeNull();
  });
});

describe("waitingEtas", () => {
  const line = (lineId: string, qty: number, eta: string | null = null) => ({
    lineId,
    orderId: `o-${lineId}`,
    qty,
    eta,
    notifiedEta: eta,
  });

  it("gives ten waiting lines the dates of two notices in queue order and quantities", () => {
    const queue = Array.from({ length: 10 }, (_, i) => line(`l${i}`, 2));
    const inbound = [notice("B", 8, "2026-12-20"), notice("A", 6, "2026-12-10")];
    const etas = waitingEtas(queue, inbound).map((c) => c.eta);
    // A covers the first 3 lines (6 units), B the next 4 (8 units); 3 lines uncovered.
    expect(etas).toEqual([
      "2026-12-10",
      "2026-12-10",
      "2026-12-10",
      "2026-12-20",
      "2026-12-20",
      "2026-12-20",
      "2026-12-20",
    ]);
  });

  it("a line completed by a later notice takes that notice's date", () => {
    const changes = waitingEtas(
      [line("a", 5)],
      [notice("A", 3, "2026-12-10"), notice("B", 3, "2026-12-20")],
    );
    expect(changes).toEqual([
      { lineId: "a", orderId: "o-a", eta: "2026-12-20", changed: true, notify: true },
    ]);
  });

  it("reports only changes, and notifies only new dates or moves of a day or more", () => {
    const inbound = [notice("A", 10, "2026-12-10")];
    expect(waitingEtas([line("a", 1, "2026-12-10")], inbound)).toEqual([]);
    expect(waitingEtas([line("a", 1, "2026-12-09")], inbound)).toEqual([
      { lineId: "a", orderId: "o-a", eta: "2026-12-10", changed: true, notify: true },
    ]);
    // No longer covered: the ETA is cleared, nobody is emailed about "no date".
    expect(waitingEtas([line("a", 20, "2026-12-10")], inbound)).toEqual([
      { lineId: "a", orderId: "o-a", eta: null, changed: true, notify: false },
    ]);
  });

  it("compares with the date the customer was told: back to it is news, an untold date too", () => {
    const inbound = [notice("A", 10, "2026-12-10")];
    // Stored 12-10 (A → B → A), but the customer was told 12-20 last.
    expect(
      waitingEtas([{ ...line("a", 1, "2026-12-10"), notifiedEta: "2026-12-20" }], inbound),
    ).toEqual([{ lineId: "a", orderId: "o-a", eta: "2026-12-10", changed: false, notify: true }]);
    // Written by a call that died before its email: still to tell.
    expect(
      waitingEtas([{ ...line("a", 1, "2026-12-10"), notifiedEta: null }], inbound),
    ).toMatchObject([{ changed: false, notify: true }]);
  });
});
