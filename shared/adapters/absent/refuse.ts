/**
 * The modules beside this one stand in for packages in the bundles of functions whose
 * access does not need them (infra/constructs/functions.ts aliases the package to its
 * stand-in there): the Stripe SDK without `payments:charge`, jose without `links:read` or
 * `email:send`, standardwebhooks without `suppliers:read`, and each AWS SDK client without
 * a grant on its service. It keeps each out of the bundles that cannot use it (no key or
 * permission to use it with). Reaching one means a function was given the wrong access in
 * shared/http/routes.ts.
 */
export function refuse(pkg: string, access: string): never {
  throw new Error(
    `${pkg} is not in this function's bundle: give it ${access} in shared/http/routes.ts`,
  );
}
