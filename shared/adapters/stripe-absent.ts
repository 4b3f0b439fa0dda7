/**
 * Stands in for the `stripe` package in the bundles of functions that may not use the
 * payment provider (no `payments:read` in the function table, so no Stripe key either):
 * infra/constructs/functions.ts aliases `stripe` to this module there, and keeps some
 * 250 KB out of those bundles. Reaching it means a function was given the wrong access.
 */
export default class StripeAbsent {
  constructor() {
    throw new Error(
      "the Stripe SDK is not in this function's bundle: give it payments:read in shared/http/routes.ts",
    );
  }
}
