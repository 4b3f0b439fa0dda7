import type { PaymentDetails } from "../domain/model.ts";

export interface ChargeRequest {
  payment: PaymentDetails;
  amount: number;
  currency: string;
  /** Same key, same charge: a retry or a redrive never charges twice. */
  idempotencyKey: string;
  description: string;
}

export type ChargeResult =
  | { outcome: "succeeded"; chargeId: string }
  | {
      outcome: "declined";
      code: "card_declined" | "expired_card" | "authentication_required" | "processing_error";
      message: string;
    };

export interface PaymentGateway {
  charge(request: ChargeRequest): Promise<ChargeResult>;
  refund(request: RefundRequest): Promise<RefundResult>;
}

export interface RefundRequest {
  payment: PaymentDetails;
  /** The charge to refund (a PaymentIntent id for Stripe). */
  chargeId: string;
  amount: number;
  currency: string;
  /** Same key, same refund. */
  idempotencyKey: string;
}

export interface RefundResult {
  refundId: string;
}

/** Name of the error a gateway raises when the provider rate-limited the request. */
export const PAYMENT_RATE_LIMITED = "PaymentRateLimited";

/**
 * The provider refused the request for its rate (Stripe: HTTP 429, a `rate_limit` error),
 * not for the card: nothing was charged or refunded, and the same request (same
 * idempotency key) may be sent again later. Never a decline; the line machine retries the
 * step with back-off, as it does other throttling.
 */
export class PaymentRateLimitedError extends Error {
  override readonly name = PAYMENT_RATE_LIMITED;
}
