import type { PaymentProvider } from "../domain/model.ts";
import type { PaymentGateway } from "../ports/payment-gateway.ts";
import { sandboxPayments } from "./sandbox-payment.ts";
import { configuredSecret } from "./secrets.ts";

/** Raised when an order asks for a provider this deployment has no credentials for. */
export class PaymentProviderUnavailableError extends Error {
  override readonly name = "PaymentProviderUnavailable";
}

/** The placeholder the deployed Stripe secret holds until the operator sets the real key. */
export const UNSET_SECRET = "unset";

/**
 * The Stripe secret key: Secrets Manager on AWS (`BACKORDER_STRIPE_SECRET_KEY_ARN`, a secret
 * the stack creates holding "unset" until the operator puts the key in it), or
 * `BACKORDER_STRIPE_SECRET_KEY` locally. Not configured → null.
 */
export async function stripeSecretKey(): Promise<string | null> {
  const key = await configuredSecret({
    arnEnv: "BACKORDER_STRIPE_SECRET_KEY_ARN",
    valueEnv: "BACKORDER_STRIPE_SECRET_KEY",
  });
  return key && key !== UNSET_SECRET ? key : null;
}

let stripe: { key: string; gateway: PaymentGateway } | undefined;

async function stripeGateway(): Promise<PaymentGateway> {
  const key = await stripeSecretKey();
  if (!key) throw new PaymentProviderUnavailableError("the stripe provider has no secret key");
  if (stripe?.key !== key) {
    // The Stripe SDK is loaded the first time a Stripe charge or refund is made, never at a
    // function's start (most never pay: the bundle's Stripe stays unevaluated).
    const { stripePayments } = await import("./stripe-payment.ts");
    stripe = { key, gateway: stripePayments({ secretKey: key }) };
  }
  return stripe.gateway;
}

/** Whether orders may name this provider here. */
export async function paymentProviderAvailable(provider: PaymentProvider): Promise<boolean> {
  return provider === "sandbox" || (await stripeSecretKey()) !== null;
}

/** The gateway of a provider; Stripe's key is read (and cached) on first use. */
export function paymentGateway(provider: PaymentProvider): PaymentGateway {
  if (provider === "sandbox") return sandboxPayments;
  return {
    charge: async (request) => (await stripeGateway()).charge(request),
    refund: async (request) => (await stripeGateway()).refund(request),
  };
}
