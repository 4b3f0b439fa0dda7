import { describe, expect, it } from "vitest";
import { sandboxPayments } from "../../shared/adapters/sandbox-payment.ts";
import type { ChargeRequest } from "../../shared/ports/payment-gateway.ts";

function request(paymentMethodRef: string, idempotencyKey = "line-1#1"): ChargeRequest {
  return {
    payment: { provider: "sandbox", customerRef: "cus_1", paymentMethodRef },
    amount: 3998,
    currency: "USD",
    idempotencyKey,
    description: "Order SHOP-1001 line 1",
  };
}

describe("sandbox payments", () => {
  it("charges pm_card_visa", async () => {
    const result = await sandboxPayments.charge(request("pm_card_visa"));
    expect(result.outcome).toBe("succeeded");
    if (result.outcome !== "succeeded") return;
    expect(result.chargeId).toMatch(/^sbx_ch_[0-9a-f]+$/);
  });

  it("gives the same charge id for the same idempotency key", async () => {
    const first = await sandboxPayments.charge(request("pm_card_visa", "line-7#2"));
    const again = await sandboxPayments.charge(request("pm_card_visa", "line-7#2"));
    expect(first).toEqual(again);
  });

  it("gives another charge id for another idempotency key", async () => {
    const a = await sandboxPayments.charge(request("pm_card_visa", "line-7#1"));
    const b = await sandboxPayments.charge(request("pm_card_visa", "line-7#2"));
    expect(a.outcome).toBe("succeeded");
    expect(b.outcome).toBe("succeeded");
    if (a.outcome !== "succeeded" || b.outcome !== "succeeded") return;
    expect(a.chargeId).not.toBe(b.chargeId);
  });

  it.each([
    ["pm_card_chargeDeclined", "card_declined"],
    ["pm_card_chargeDeclinedExpiredCard", "expired_card"],
    ["pm_card_authenticationRequired", "authentication_required"],
  ] as const)("declines %s with %s", async (method, code) => {
    const result = await sandboxPayments.charge(request(method));
    expect(result.outcome).toBe("declined");
    if (result.outcome !== "declined") return;
    expect(result.code).toBe(code);
    expect(result.message.length).toBeGreaterThan(0);
  });

  it("declines the same way whatever the idempotency key", async () => {
    const a = await sandboxPayments.charge(request("pm_card_chargeDeclined", "k1"));
    const b = await sandboxPayments.charge(request("pm_card_chargeDeclined", "k2"));
    expect(a).toEqual(b);
  });
});
