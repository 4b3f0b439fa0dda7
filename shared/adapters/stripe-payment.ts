import Stripe from "stripe";
import {
  type ChargeRequest,
  type ChargeResult,
  type PaymentGateway,
  PaymentRateLimitedError,
  type RefundRequest,
  type RefundResult,
} from "../ports/payment-gateway.ts";

/**
 * The `stripe` payment provider, on the official Stripe SDK.
 *
 * A charge is one PaymentIntent created and confirmed in a single call, off-session: the
 * customer is not present when a backordered line is finally charged, so it is charged
 * with the customer (`customerRef`) and saved payment method (`paymentMethodRef`) that
 * checkout set up for later use. If the bank wants the customer to authenticate, Stripe
 * fails the payment instead of waiting, and the line is declined with
 * `authentication_required` so the customer can be asked to pay again.
 *
 * Every call carries the request's idempotency key as Stripe's `Idempotency-Key`. Stripe
 * keeps a key and the response it gave for at least 24 hours and answers a repeat of the
 * key with that same response, so the SDK's own network retries, a workflow retry after a
 * timeout or crash, and a redrive (all of which reuse the key) never create a second
 * PaymentIntent or refund: they get the first one back. That is also why only card
 * declines become a `declined` result here. Everything else (network failures, timeouts,
 * 5xx, rate limits, bad credentials, invalid requests) is thrown, so the workflow retries
 * with the same key; a decline makes the workflow start a new attempt with a new key. A
 * rate limit (HTTP 429, which the SDK does not retry) is thrown as PaymentRateLimitedError,
 * which the workflow retries as throttling, with back-off, for longer than other failures.
 */

/** Milliseconds per HTTP attempt: three attempts plus backoff fit the 30 s charge Lambda. */
const REQUEST_TIMEOUT_MS = 8_000;

type Declined = Extract<ChargeResult, { outcome: "declined" }>;

export interface StripePaymentsOptions {
  secretKey: string;
  /** API host, port and protocol: only for pointing the SDK at a stand-in in tests. */
  host?: string;
  port?: number;
  protocol?: "http" | "https";
}

export function stripePayments(options: StripePaymentsOptions): PaymentGateway {
  const stripe = new Stripe(options.secretKey, {
    maxNetworkRetries: 2,
    timeout: REQUEST_TIMEOUT_MS,
    ...(options.host !== undefined && { host: options.host }),
    ...(options.port !== undefined && { port: options.port }),
    ...(options.protocol !== undefined && { protocol: options.protocol }),
  });

  return {
    async charge(request: ChargeRequest): Promise<ChargeResult> {
      let intent: Stripe.PaymentIntent;
      try {
        intent = await stripe.paymentIntents.create(
          {
            amount: request.amount,
            currency: request.currency.toLowerCase(),
            customer: request.payment.customerRef,
            payment_method: request.payment.paymentMethodRef,
            off_session: true,
            confirm: true,
            description: request.description,
            metadata: { idempotency_key: request.idempotencyKey },
          },
          { idempotencyKey: request.idempotencyKey },
        );
      } catch (error) {
        if (error instanceof Stripe.errors.StripeCardError) return cardDecline(error);
        throw rateLimited(error) ?? error;
      }
      return outcomeOf(intent);
    },

    async refund(request: RefundRequest): Promise<RefundResult> {
      try {
        const refund = await stripe.refunds.create(
          { payment_intent: request.chargeId, amount: request.amount },
          { idempotencyKey: request.idempotencyKey },
        );
        return { refundId: refund.id };
      } catch (error) {
        throw rateLimited(error) ?? error;
      }
    },
  };
}

/** Stripe's rate limit (429, or 400 with code `rate_limit`) as the port's throttle error. */
function rateLimited(error: unknown): PaymentRateLimitedError | undefined {
  if (!(error instanceof Stripe.errors.StripeRateLimitError)) return undefined;
  return new PaymentRateLimitedError(`Stripe rate limit: ${error.message}`, { cause: error });
}

/**
 * The result of a PaymentIntent Stripe created without an error.
 *
 * `processing` counts as succeeded: the payment was accepted and is settling, which for
 * cards takes moments, and the money is very likely to arrive. Reporting it as a decline
 * would be worse: the workflow would charge again with a new key (two PaymentIntents
 * that may both settle) or cancel the line while money is still on its way. The
 * PaymentIntent id is the charge id either way, and it is what a refund takes.
 */
function outcomeOf(intent: Stripe.PaymentIntent): ChargeResult {
  switch (intent.status) {
    case "succeeded":
    case "processing":
      return { outcome: "succeeded", chargeId: intent.id };
    case "requires_action":
      return {
        outcome: "declined",
        code: "authentication_required",
        message: "The customer must authenticate this payment.",
      };
    case "requires_payment_method":
      return {
        outcome: "declined",
        code: "card_declined",
        message: intent.last_payment_error?.message ?? "The payment method was declined.",
      };
    case "canceled":
      return {
        outcome: "declined",
        code: "processing_error",
        message: "The payment was canceled before it completed.",
      };
    default:
      // requires_confirmation or requires_capture cannot follow confirm: true with
      // automatic capture; throw rather than guess whether money moved.
      throw new Error(`Stripe PaymentIntent ${intent.id} is in unexpected status ${intent.status}`);
  }
}

/** A card error (HTTP 402): the bank or Stripe declined the card. */
function cardDecline(error: Stripe.errors.StripeCardError): Declined {
  const codes = [error.code, error.decline_code];
  const code: Declined["code"] = codes.includes("expired_card")
    ? "expired_card"
    : codes.includes("authentication_required")
      ? "authentication_required"
      : error.code === "processing_error"
        ? "processing_error"
        : "card_declined";
  return { outcome: "declined", code, message: error.message };
}
