import { createServer, type IncomingHttpHeaders, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import Stripe from "stripe";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { TokenBucket } from "../../infra/local/token-bucket.ts";
import { stripePayments } from "../../shared/adapters/stripe-payment.ts";
import {
  type ChargeRequest,
  type PaymentGateway,
  PaymentRateLimitedError,
} from "../../shared/ports/payment-gateway.ts";

/**
 * The stripe adapter through the real Stripe SDK, against a local stand-in for the two
 * Stripe endpoints it uses. The stand-in answers like Stripe's test payment methods and,
 * like Stripe, replays the first response to a repeated Idempotency-Key; given a rate, it
 * answers requests above it as Stripe's rate limiter does (429, `rate_limit`).
 */
const SECRET_KEY = "sk_test_standin";

interface Recorded {
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
  body: Record<string, string>;
}

interface Answer {
  status: number;
  body: unknown;
}

const cardError = (code: string, declineCode: string | undefined, message: string): Answer => ({
  status: 402,
  body: {
    error: {
      type: "card_error",
      code,
      ...(declineCode && { decline_code: declineCode }),
      message,
      payment_intent: { id: "pi_x", object: "payment_intent", status: "requires_payment_method" },
    },
  },
});

/** Payment methods that do not simply succeed, like Stripe's test payment methods. */
const SPECIAL: Record<string, Answer> = {
  pm_card_chargeDeclined: cardError("card_declined", "generic_decline", "Your card was declined."),
  pm_card_chargeDeclinedExpiredCard: cardError("expired_card", undefined, "Your card has expired."),
  pm_card_authenticationRequired: cardError(
    "authentication_required",
    "authentication_required",
    "Your card was declined. This transaction requires authentication.",
  ),
  pm_card_chargeDeclinedProcessingError: cardError(
    "processing_error",
    undefined,
    "An error occurred while processing your card. Try again in a little bit.",
  ),
  pm_standin_serverError: {
    status: 500,
    body: { error: { type: "api_error", message: "Something went wrong on Stripe's end." } },
  },
};

/** Payment methods whose PaymentIntent is created but does not end in succeeded. */
const STATUS: Record<string, string> = {
  pm_standin_processing: "processing",
  pm_standin_requiresAction: "requires_action",
};

let server: Server;
let port: number;
let requests: Recorded[] = [];
let replays = new Map<string, Answer>();
let intentsCreated = 0;
let counter = 0;
/** Stripe's rate limiter, when a test sets one. */
let rateLimit: TokenBucket | undefined;

/** What Stripe answers a request over its rate. */
const RATE_LIMITED: Answer = {
  status: 429,
  body: {
    error: {
      type: "invalid_request_error",
      code: "rate_limit",
      message:
        "Request rate limit exceeded. Learn more about rate limits here https://stripe.com/docs/rate-limits.",
    },
  },
};

function answer(req: Recorded): Answer {
  if (req.headers.authorization !== `Bearer ${SECRET_KEY}`) {
    return {
      status: 401,
      body: { error: { type: "invalid_request_error", message: "Invalid API Key provided." } },
    };
  }
  if (req.method === "POST" && req.path === "/v1/payment_intents") {
    const special = SPECIAL[req.body.payment_method ?? ""];
    if (special) return special;
    intentsCreated++;
    return {
      status: 200,
      body: {
        id: `pi_standin_${++counter}`,
        object: "payment_intent",
        status: STATUS[req.body.payment_method ?? ""] ?? "succeeded",
        amount: Number(req.body.amount),
        currency: req.body.currency,
        customer: req.body.customer,
        payment_method: req.body.payment_method,
      },
    };
  }
  if (req.method === "POST" && req.path === "/v1/refunds") {
    return {
      status: 200,
      body: {
        id: `re_standin_${++counter}`,
        object: "refund",
        status: "succeeded",
        amount: Number(req.body.amount),
        payment_intent: req.body.payment_intent,
      },
    };
  }
  return {
    status: 404,
    body: { error: { type: "invalid_request_error", message: `Unrecognized request URL` } },
  };
}

beforeAll(async () => {
  server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", () => {
      const recorded: Recorded = {
        method: req.method ?? "",
        path: new URL(req.url ?? "/", "http://standin").pathname,
        headers: req.headers,
        body: Object.fromEntries(new URLSearchParams(Buffer.concat(chunks).toString("utf8"))),
      };
      requests.push(recorded);
      const key = req.headers["idempotency-key"];
      const replayKey = typeof key === "string" ? `${recorded.path} ${key}` : undefined;
      const replayed = replayKey === undefined ? undefined : replays.get(replayKey);
      const limited = rateLimit && !rateLimit.take() ? RATE_LIMITED : undefined;
      const result = limited ?? replayed ?? answer(recorded);
      // Like Stripe, a response is saved for the key unless the server failed or the
      // request was rate limited (it never ran).
      if (replayKey !== undefined && !replayed && !limited && result.status < 500) {
        replays.set(replayKey, result);
      }
      res.writeHead(result.status, {
        "content-type": "application/json",
        "request-id": `req_${requests.length}`,
        ...(replayed && { "idempotent-replayed": "true" }),
      });
      res.end(JSON.stringify(result.body));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  port = (server.address() as AddressInfo).port;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

beforeEach(() => {
  requests = [];
  replays = new Map();
  intentsCreated = 0;
  rateLimit = undefined;
});

function gateway(secretKey = SECRET_KEY): PaymentGateway {
  return stripePayments({ secretKey, protocol: "http", host: "127.0.0.1", port });
}

function chargeRequest(paymentMethodRef: string, idempotencyKey = `line-1:charge:${++counter}`) {
  return {
    payment: { provider: "stripe", customerRef: "cus_standin", paymentMethodRef },
    amount: 3998,
    currency: "USD",
    idempotencyKey,
    description: "Order SHOP-1001 line 1",
  } satisfies ChargeRequest;
}

describe("stripe payments", () => {
  it("charges off-session with one confirmed PaymentIntent", async () => {
    const request = chargeRequest("pm_card_visa");
    const result = await gateway().charge(request);

    expect(result).toEqual({ outcome: "succeeded", chargeId: expect.stringMatching(/^pi_/) });
    expect(requests).toHaveLength(1);
    const [sent] = requests;
    expect(sent?.method).toBe("POST");
    expect(sent?.path).toBe("/v1/payment_intents");
    expect(sent?.body).toMatchObject({
      amount: "3998",
      currency: "usd",
      customer: "cus_standin",
      payment_method: "pm_card_visa",
      off_session: "true",
      confirm: "true",
      description: "Order SHOP-1001 line 1",
      "metadata[idempotency_key]": request.idempotencyKey,
    });
    expect(sent?.headers.authorization).toBe(`Bearer ${SECRET_KEY}`);
    expect(sent?.headers["idempotency-key"]).toBe(request.idempotencyKey);
    expect(sent?.headers["stripe-version"]).toEqual(expect.any(String));
    expect(sent?.headers["stripe-version"]).not.toBe("");
    expect(sent?.headers["content-type"]).toMatch(/^application\/x-www-form-urlencoded/);
  });

  it("charges once for one idempotency key, however often it is called", async () => {
    const payments = gateway();
    const request = chargeRequest("pm_card_visa");
    const first = await payments.charge(request);
    const again = await payments.charge(request);
    const fromAnotherClient = await gateway().charge(request);

    expect(first.outcome).toBe("succeeded");
    expect(again).toEqual(first);
    expect(fromAnotherClient).toEqual(first);
    expect(intentsCreated).toBe(1);
    expect(requests).toHaveLength(3);
    expect(new Set(requests.map((r) => r.headers["idempotency-key"]))).toEqual(
      new Set([request.idempotencyKey]),
    );
  });

  it("creates a new PaymentIntent for a new key", async () => {
    const payments = gateway();
    const a = await payments.charge(chargeRequest("pm_card_visa", "line-7:charge:1"));
    const b = await payments.charge(chargeRequest("pm_card_visa", "line-7:charge:2"));

    expect(a.outcome === "succeeded" && b.outcome === "succeeded").toBe(true);
    expect(a).not.toEqual(b);
    expect(intentsCreated).toBe(2);
  });

  it.each([
    ["pm_card_chargeDeclined", "card_declined", "Your card was declined."],
    ["pm_card_chargeDeclinedExpiredCard", "expired_card", "Your card has expired."],
    [
      "pm_card_authenticationRequired",
      "authentication_required",
      "Your card was declined. This transaction requires authentication.",
    ],
    [
      "pm_card_chargeDeclinedProcessingError",
      "processing_error",
      "An error occurred while processing your card. Try again in a little bit.",
    ],
  ])("maps the card error of %s to a %s decline", async (method, code, message) => {
    const request = chargeRequest(method);
    const result = await gateway().charge(request);

    expect(result).toEqual({ outcome: "declined", code, message });
    // A decline is an answer, not a failure: the SDK does not retry it.
    expect(requests).toHaveLength(1);
    expect(requests[0]?.headers["idempotency-key"]).toBe(request.idempotencyKey);
  });

  it("maps PaymentIntent statuses that are not errors", async () => {
    const payments = gateway();
    const processing = await payments.charge(chargeRequest("pm_standin_processing"));
    const action = await payments.charge(chargeRequest("pm_standin_requiresAction"));

    expect(processing).toEqual({ outcome: "succeeded", chargeId: expect.stringMatching(/^pi_/) });
    expect(action).toMatchObject({ outcome: "declined", code: "authentication_required" });
  });

  it("throws on a server error, after retrying with the same idempotency key", async () => {
    const request = chargeRequest("pm_standin_serverError");

    await expect(gateway().charge(request)).rejects.toBeInstanceOf(Stripe.errors.StripeAPIError);
    // One attempt and the SDK's two network retries, all with the request's key.
    expect(requests).toHaveLength(3);
    for (const sent of requests) {
      expect(sent.path).toBe("/v1/payment_intents");
      expect(sent.headers["idempotency-key"]).toBe(request.idempotencyKey);
    }
    expect(intentsCreated).toBe(0);
  });

  it("throws Stripe's rate limit as PaymentRateLimited, never a decline; the same key charges once later", async () => {
    // Stripe's test mode: 25 requests a second, on a clock the test moves.
    let nowMs = 0;
    rateLimit = new TokenBucket({ bucket: 25, perSecond: 25 }, () => nowMs);
    const payments = gateway();
    const batch = Array.from({ length: 40 }, (_, i) =>
      chargeRequest("pm_card_visa", `rl-${i}:charge:1`),
    );
    const outcomes = await Promise.allSettled(batch.map((request) => payments.charge(request)));

    const succeeded = outcomes.filter((o) => o.status === "fulfilled");
    const limited = outcomes.flatMap((o, i) =>
      o.status === "rejected" ? [{ i, error: o.reason }] : [],
    );
    expect(succeeded.every((o) => o.value.outcome === "succeeded")).toBe(true);
    expect(succeeded).toHaveLength(25);
    expect(limited).toHaveLength(15);
    for (const { error } of limited) {
      expect(error).toBeInstanceOf(PaymentRateLimitedError);
      expect((error as Error).name).toBe("PaymentRateLimited");
    }
    // The SDK does not retry a 429: one request per charge.
    expect(requests).toHaveLength(40);

    // A second later, the same requests (same keys) go through, each charged once.
    nowMs += 1000;
    for (const { i } of limited) {
      const again = await payments.charge(batch[i] as ChargeRequest);
      expect(again.outcome).toBe("succeeded");
    }
    expect(intentsCreated).toBe(40);
  });

  it("throws a rate-limited refund as PaymentRateLimited", async () => {
    rateLimit = new TokenBucket({ bucket: 1, perSecond: 0.001 });
    rateLimit.take();
    await expect(
      gateway().refund({
        payment: chargeRequest("pm_card_visa").payment,
        chargeId: "pi_standin_1",
        amount: 1999,
        currency: "USD",
        idempotencyKey: "line-9:refund",
      }),
    ).rejects.toBeInstanceOf(PaymentRateLimitedError);
  });

  it("throws when Stripe rejects the secret key", async () => {
    await expect(gateway("sk_test_wrong").charge(chargeRequest("pm_card_visa"))).rejects.toThrow(
      Stripe.errors.StripeAuthenticationError,
    );
    expect(requests[0]?.headers.authorization).toBe("Bearer sk_test_wrong");
    expect(intentsCreated).toBe(0);
  });

  it("refunds a PaymentIntent with the request's idempotency key", async () => {
    const payments = gateway();
    const charged = await payments.charge(chargeRequest("pm_card_visa"));
    if (charged.outcome !== "succeeded") throw new Error("expected a charge");
    requests = [];

    const refund = {
      payment: chargeRequest("pm_card_visa").payment,
      chargeId: charged.chargeId,
      amount: 1999,
      currency: "USD",
      idempotencyKey: "line-1:refund",
    };
    const first = await payments.refund(refund);
    const again = await payments.refund(refund);

    expect(first.refundId).toMatch(/^re_/);
    expect(again).toEqual(first);
    expect(requests).toHaveLength(2);
    for (const sent of requests) {
      expect(sent.method).toBe("POST");
      expect(sent.path).toBe("/v1/refunds");
      expect(sent.body).toEqual({ payment_intent: charged.chargeId, amount: "1999" });
      expect(sent.headers.authorization).toBe(`Bearer ${SECRET_KEY}`);
      expect(sent.headers["idempotency-key"]).toBe("line-1:refund");
    }
  });
});
