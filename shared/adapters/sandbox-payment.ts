import { createHash } from "node:crypto";
import type {
  ChargeRequest,
  ChargeResult,
  PaymentGateway,
  RefundRequest,
  RefundResult,
} from "../ports/payment-gateway.ts";

/**
 * The `sandbox` payment provider: no money moves. It answers like Stripe's test payment
 * methods (contract §7), and the same idempotency key always gives the same charge id.
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

export const sandboxPayments: PaymentGateway = {
  async charge(request: ChargeRequest): Promise<ChargeResult> {
    const decline = DECLINES[request.payment.paymentMethodRef];
    if (decline) return decline;
    return { outcome: "succeeded", chargeId: `sbx_ch_${idOf(request.idempotencyKey)}` };
  },
  async refund(request: RefundRequest): Promise<RefundResult> {
    return { refundId: `sbx_re_${idOf(request.idempotencyKey)}` };
  },
};
