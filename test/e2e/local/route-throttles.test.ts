import { describe, expect, it } from "vitest";
import { ownStack } from "../own-stack.ts";
import { api, keys, newSku } from "../support.ts";

/**
 * The HTTP API's route throttles (ROUTE_THROTTLES in shared/http/routes.ts), as the local
 * gateway enforces them: here every route at 20 a second with a burst of 20, so a flood
 * meets them. Limits hold for the whole stack: a stack of its own.
 */
const RATE = { perSecond: 20, burst: 20 };
await ownStack({ env: { BACKORDER_LOCAL_LIMITS: JSON.stringify({ routes: RATE }) } });

describe("route throttles", () => {
  it("refuse a flood on one route with API Gateway's 429 before any function runs, and leave other routes alone", async () => {
    const skus = Array.from({ length: 80 }, () => newSku("THR"));
    const puts = await Promise.all(
      skus.map((sku) =>
        api(`/v1/skus/${sku}`, {
          method: "PUT",
          key: keys.storefront,
          body: { name: "Throttled", onHand: 1 },
        }),
      ),
    );
    const refused = puts.flatMap((res, i) => (res.status === 429 ? [skus[i] as string] : []));
    const taken = puts.flatMap((res, i) => (res.status === 201 ? [skus[i] as string] : []));
    // The burst goes through, the rest of the flood (sent within far less than a second's
    // refill of it all) does not.
    expect(taken.length + refused.length).toBe(skus.length);
    expect(taken.length).toBeGreaterThanOrEqual(RATE.burst);
    expect(refused.length).toBeGreaterThan(0);
    const tooMany = puts.find((res) => res.status === 429);
    expect(tooMany?.json).toEqual({ message: "Too Many Requests" });

    // Another route has its own bucket, full: the storefront reads while the PUTs are
    // refused (one request, well within its burst).
    const read = await api(`/v1/skus/${taken[0]}`, { key: keys.storefront });
    expect(read.status, read.text).toBe(200);

    // A refused request ran no function and wrote nothing.
    await new Promise((resolve) => setTimeout(resolve, 1100));
    for (const sku of refused.slice(0, 10)) {
      const res = await api(`/v1/skus/${sku}`, { key: keys.storefront });
      expect(res.status, sku).toBe(404);
    }
    // The bucket refills at its rate: a second later the route takes requests again.
    const again = await api(`/v1/skus/${refused[0]}`, {
      method: "PUT",
      key: keys.storefront,
      body: { name: "Throttled", onHand: 1 },
    });
    expect(again.status, again.text).toBe(201);
  });
});
