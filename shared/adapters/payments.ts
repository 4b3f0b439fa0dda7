import { config } from "../config.ts";
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

/** Whether orders may name this provider here: the sandbox where it is turned on, Stripe
 * once its secret key is set. */
export async function paymentProviderAvailable(provider: PaymentProvider): Promise<boolean> {
  if (provider === "sandbox") return config.sandboxPayments();
  return (await stripeSecretKey()) !== null;
}

/** The sandbox, refusing to "charge" (ship unpaid) where it is turned off. */
const guardedSandbox: PaymentGateway = {
  charge: async (request) => {
    if (!config.sandboxPayments()) throw sandboxOff();
    return sandboxPayments.charge(request);
  },
  // A refund of a sandbox charge moves no money either: it is allowed, so a cancel settles.
  refund: (request) => sandboxPayments.refund(request),
};

const sandboxOff = () =>
  new PaymentProviderUnavailableError(
    "the sandbox payment provider is off here (BACKORDER_SANDBOX_PAYMENTS)",
  );

/** The gateway of a provider; Stripe's key is read (and cached) on first use. */
export function paymentGateway(provider: PaymentProvider): PaymentGateway {
  if (provider === "sandbox") return guardedSandbox;
  return {
    charge: async (request) => (await stripeGateway()).charge(request),
    refund: async (request) => (await stripeGateway()).refund(request),
  };
}
