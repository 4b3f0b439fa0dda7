import { createHash } from "node:crypto";
import {
  type ChargeRequest,
  type ChargeResult,
  type PaymentGateway,
  PaymentRateLimitedError,
  type RefundRequest,
  type RefundResult,
} from "../ports/payment-gateway.ts";
import { afterOutsideCall, beforeOutsideCall } from "./local-hooks.ts";

/**
 * The `sandbox` payment provider: no money moves. It answers like Stripe's test payment
 * methods (contract §7), and the same idempotency key always gives the same charge id.
 * Where a rate limit is installed (the local stack installs Stripe's test-mode rate,
 * infra/local/limits.ts), a request above it is refused as Stripe refuses one, before
 * anything happens: `PaymentRateLimitedError`.
 */
const DECLINES: Record<string, Extract<ChargeResult, { outcome: "declined" }>> = {
  pm_card_chargeDeclined: {
    outcome: "declined",
    code: "card_declined",
    message: "Your card was declined.",
  },
  pm_card_chargeDeclinedExpiredCard: {
    outcome: "declined",
    code: "expired_card",
    message: "Your card has expired.",
  },
  pm_card_authenticationRequired: {
    outcome: "declined",
    code: "authentication_required",
    message: "Your card needs you to confirm this payment.",
  },
};

const idOf = (key: string) => createHash("sha256").update(key).digest("hex").slice(0, 24);

/** Asked before each request: false when it is over the rate. Unset: no limit. */
let admit: (() => boolean) | undefined;

/**
 * Limits the sandbox's request rate for this whole process (every invocation shares it):
 * `gate` answers false for a request over the rate. `undefined` removes the limit.
 */
export function limitSandboxPayments(gate: (() => boolean) | undefined): void {
  admit = gate;
}

function admitOrRefuse(): void {
  if (admit && !admit()) {
    throw new PaymentRateLimitedError(
      "Too many requests hit the sandbox payment provider too quickly (rate_limit, HTTP 429).",
    );
  }
}

export const sandboxPayments: PaymentGateway = {
  async charge(request: ChargeRequest): Promise<ChargeResult> {
    await beforeOutsideCall({ service: "payments", operation: "charge" });
    admitOrRefuse();
    const decline = DECLINES[request.payment.paymentMethodRef];
    if (decline) return decline;
    const chargeId = `sbx_ch_${idOf(request.idempotencyKey)}`;
    // Charged: the local stack keeps a ledger of it, and may crash the caller right here.
    await afterOutsideCall({
      service: "payments",
      operation: "charge",
      payment: {
        kind: "charge",
        id: chargeId,
        idempotencyKey: request.idempotencyKey,
        amount: request.amount,
      },
    });
    return { outcome: "succeeded", chargeId };
  },
  async refund(request: RefundRequest): Promise<RefundResult> {
    await beforeOutsideCall({ service: "payments", operation: "refund" });
    admitOrRefuse();
    const refundId = `sbx_re_${idOf(request.idempotencyKey)}`;
    await afterOutsideCall({
      service: "payments",
      operation: "refund",
      payment: {
        kind: "refund",
        id: refundId,
        idempotencyKey: request.idempotencyKey,
        amount: request.amount,
      },
    });
    return { refundId };
  },
};
