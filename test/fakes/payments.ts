import { sandboxPayments } from "../../shared/adapters/sandbox-payment.ts";
import type {
  ChargeRequest,
  ChargeResult,
  PaymentGateway,
  RefundRequest,
  RefundResult,
} from "../../shared/ports/payment-gateway.ts";

type Decline = Extract<ChargeResult, { outcome: "declined" }>;

/**
 * A payment provider in memory. It answers by payment method like the sandbox
 * (`pm_card_chargeDeclined` declines, any other succeeds) unless a test scripts the next
 * answer, and keeps the provider's idempotency: the same key answers the first call's
 * result again (a different amount or method under a used key is an error, as on Stripe).
 */
export class FakePaymentGateway implements PaymentGateway {
  /** Every charge call, replays included. */
  readonly chargeCalls: ChargeRequest[] = [];
  /** Every refund call, replays included. */
  readonly refundCalls: RefundRequest[] = [];
  private readonly byKey = new Map<string, { request: ChargeRequest; result: ChargeResult }>();
  private readonly refundsByKey = new Map<string, { request: RefundRequest; refundId: string }>();
  private readonly script: ChargeResult[] = [];
  private readonly during: (() => unknown)[] = [];
  private readonly failures: { error: Error; charged: boolean }[] = [];

  /** The next new charge is declined, whatever the payment method. */
  declineNext(code: Decline["code"] = "card_declined"): void {
    this.script.push({ outcome: "declined", code, message: `Declined (${code}).` });
  }

  /** Runs `fn` while the next charge is in flight: after it was asked, before it answers. */
  duringNextCharge(fn: () => unknown): void {
    this.during.push(fn);
  }

  /**
   * The next charge call fails with `error`: before reaching the provider, or (charged)
   * after the provider charged, its answer lost (a timeout, a crash).
   */
  failNextCharge(error: Error, { charged = false } = {}): void {
    this.failures.push({ error, charged });
  }

  async charge(request: ChargeRequest): Promise<ChargeResult> {
    this.chargeCalls.push(structuredClone(request));
    await this.during.shift()?.();
    const failure = this.failures.shift();
    if (failure && !failure.charged) throw failure.error;
    const known = this.byKey.get(request.idempotencyKey);
    if (known) {
      const same =
        known.request.amount === request.amount &&
        known.request.payment.paymentMethodRef === request.payment.paymentMethodRef;
      if (!same) throw new Error(`idempotency key ${request.idempotencyKey} reused differently`);
    }
    const result = known?.result ?? this.script.shift() ?? (await sandboxPayments.charge(request));
    if (!known) this.byKey.set(request.idempotencyKey, { request, result });
    if (failure) throw failure.error;
    return result;
  }

  async refund(request: RefundRequest): Promise<RefundResult> {
    this.refundCalls.push(structuredClone(request));
    const known = this.refundsByKey.get(request.idempotencyKey);
    if (known) return { refundId: known.refundId };
    const refundId = `re_${this.refundsByKey.size + 1}`;
    this.refundsByKey.set(request.idempotencyKey, { request, refundId });
    return { refundId };
  }

  /** Money taken: one charge per idempotency key that succeeded. */
  charges(): { key: string; chargeId: string; amount: number; paymentMethodRef: string }[] {
    return [...this.byKey].flatMap(([key, { request, result }]) =>
      result.outcome === "succeeded"
        ? [
            {
              key,
              chargeId: result.chargeId,
              amount: request.amount,
              paymentMethodRef: request.payment.paymentMethodRef,
            },
          ]
        : [],
    );
  }

  /** Money given back: one refund per idempotency key. */
  refunds(): { key: string; refundId: string; chargeId: string; amount: number }[] {
    return [...this.refundsByKey].map(([key, { request, refundId }]) => ({
      key,
      refundId,
      chargeId: request.chargeId,
      amount: request.amount,
    }));
  }
}
