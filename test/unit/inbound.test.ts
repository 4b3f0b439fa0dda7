import { describe, expect, it } from "vitest";
import { type Inbound, inboundEta } from "../../shared/domain/inbound.ts";

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
