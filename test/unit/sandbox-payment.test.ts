import { afterEach, describe, expect, it } from "vitest";
import { TokenBucket } from "../../infra/local/token-bucket.ts";
import {
  PaymentProviderUnavailableError,
  paymentGateway,
  paymentProviderAvailable,
} from "../../shared/adapters/payments.ts";
import { limitSandboxPayments, sandboxPayments } from "../../shared/adapters/sandbox-payment.ts";
import {
  type ChargeRequest,
  PAYMENT_RATE_LIMITED,
  PaymentRateLimitedError,
} from "../../shared/ports/payment-gateway.ts";

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

describe("sandbox payments over a rate limit", () => {
  afterEach(() => limitSandboxPayments(undefined));

  it("refuses requests over the rate as a rate limit, never a decline, and serves them later", async () => {
    let now = 0;
    const bucket = new TokenBucket({ bucket: 2, perSecond: 2 }, () => now);
    limitSandboxPayments(() => bucket.take());
    const charge = (key: string) => sandboxPayments.charge(request("pm_card_visa", key));

    const first = await charge("line-1#1");
    await charge("line-2#1");
    const refused = charge("line-3#1");
    await expect(refused).rejects.toBeInstanceOf(PaymentRateLimitedError);
    await expect(refused).rejects.toMatchObject({ name: PAYMENT_RATE_LIMITED });
    // Declines are checked after the rate: a declining card is refused for the rate too.
    await expect(
      sandboxPayments.charge(request("pm_card_chargeDeclined", "line-4#1")),
    ).rejects.toMatchObject({ name: PAYMENT_RATE_LIMITED });
    await expect(
      sandboxPayments.refund({
        payment: request("pm_card_visa").payment,
        chargeId: "sbx_ch_1",
        amount: 1,
        currency: "USD",
        idempotencyKey: "line-1:refund",
      }),
    ).rejects.toMatchObject({ name: PAYMENT_RATE_LIMITED });

    now += 500;
    // The same request later: served, and the same key still gives the same charge.
    expect((await charge("line-3#1")).outcome).toBe("succeeded");
    now += 500;
    expect(await charge("line-1#1")).toEqual(first);
  });

  it("has no limit once it is removed", async () => {
    limitSandboxPayments(() => false);
    await expect(sandboxPayments.charge(request("pm_card_visa"))).rejects.toThrow();
    limitSandboxPayments(undefined);
    expect((await sandboxPayments.charge(request("pm_card_visa"))).outcome).toBe("succeeded");
  });
});

describe("the sandbox provider where it is turned off (a deployed stage's default)", () => {
  const before = process.env.BACKORDER_SANDBOX_PAYMENTS;
  afterEach(() => {
    if (before === undefined) delete process.env.BACKORDER_SANDBOX_PAYMENTS;
    else process.env.BACKORDER_SANDBOX_PAYMENTS = before;
  });

  it("takes no order and charges nothing; a refund of an earlier charge still settles", async () => {
    process.env.BACKORDER_SANDBOX_PAYMENTS = "on";
    expect(await paymentProviderAvailable("sandbox")).toBe(true);
    const charged = await paymentGateway("sandbox").charge(request("pm_card_visa", "off-1"));
    expect(charged.outcome).toBe("succeeded");

    for (const value of ["off", undefined]) {
      if (value === undefined) delete process.env.BACKORDER_SANDBOX_PAYMENTS;
      else process.env.BACKORDER_SANDBOX_PAYMENTS = value;
      expect(await paymentProviderAvailable("sandbox")).toBe(false);
      await expect(
        paymentGateway("sandbox").charge(request("pm_card_visa", "off-2")),
      ).rejects.toBeInstanceOf(PaymentProviderUnavailableError);
    }
    if (charged.outcome !== "succeeded") throw new Error("not charged");
    const refund = await paymentGateway("sandbox").refund({
      payment: { provider: "sandbox", customerRef: "cus_1", paymentMethodRef: "pm_card_visa" },
      chargeId: charged.chargeId,
      amount: 3998,
      currency: "USD",
      idempotencyKey: "off-1:refund",
    });
    expect(refund).toHaveProperty("refundId");
  });
});
