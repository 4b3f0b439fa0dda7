import { afterEach, describe, expect, it, vi } from "vitest";
import { describeError, redact, redactDeep } from "../../shared/log-redaction.ts";
import { LOG_CONTEXT_OPTIONS, logger } from "../../shared/logger.ts";

describe("redact", () => {
  it("masks every email address, keeping its domain", () => {
    expect(
      redact(
        "Email address is not verified. The following identities failed the check in region US-EAST-1: alice.o'neil+shop@example.co.uk, bob@mail.example.com",
      ),
    ).toBe(
      "Email address is not verified. The following identities failed the check in region US-EAST-1: ***@example.co.uk, ***@mail.example.com",
    );
  });

  it("masks the payment provider's keys and client secrets, bearer keys, link tokens and task tokens", () => {
    const taskToken = `AQCEAAAAKgAAAAMAAAAAAAAAAR${"x9+/".repeat(30)}==`;
    const text = [
      "Invalid API Key provided: sk_test_51Habcdefghijklmnop",
      "whsec_abcdefghijklmnop",
      "pi_3Nabc_secret_abcdefghijkl",
      "Authorization: Bearer dev-storefront-key",
      "https://shop.example/v1/customer/orders/ord_1?token=eyJvIjoib3JkXzEifQ.c2lnbmF0dXJl&format=html",
      `Task token ${taskToken} does not exist`,
    ].join(" | ");
    const out = redact(text);
    for (const secret of [
      "sk_test_51Habcdefghijklmnop",
      "whsec_abcdefghijklmnop",
      "pi_3Nabc_secret_abcdefghijkl",
      "dev-storefront-key",
      "eyJvIjoib3JkXzEifQ",
      taskToken,
    ]) {
      expect(out).not.toContain(secret);
    }
    expect(out).toContain("token=***&format=html");
    expect(out).toContain("Bearer ***");
  });

  it("leaves ids, SKUs, execution names and ARNs readable", () => {
    const text =
      "line ord_01JABCDEFGHJKMNPQRSTVWXYZ1/l1 of SKU-RED-42: execution arn:aws:states:us-east-1:000000000000:execution:LineMachine:ord_01JABCDEFGHJKMNPQRSTVWXYZ1-l1-3 failed";
    expect(redact(text)).toBe(text);
  });
});

describe("redactDeep", () => {
  it("redacts strings at any depth and masks credentials by their attribute's name", () => {
    expect(
      redactDeep({
        orderId: "ord_1",
        customer: { email: "carol@example.com" },
        recipients: ["dave@example.com"],
        taskToken: "short",
        hasToken: true,
        attempts: 3,
      }),
    ).toEqual({
      orderId: "ord_1",
      customer: { email: "***@example.com" },
      recipients: ["***@example.com"],
      taskToken: "***",
      hasToken: true,
      attempts: 3,
    });
  });
});

describe("describeError", () => {
  it("keeps an error's name and redacted message, and none of its other properties", () => {
    const error = Object.assign(new Error("No such customer for erin@example.com"), {
      name: "StripeInvalidRequestError",
      raw: { headers: { authorization: "Bearer sk_live_abcdefghijkl" } },
    });
    expect(describeError(error)).toEqual({
      name: "StripeInvalidRequestError",
      message: "No such customer for ***@example.com",
    });
    expect(describeError("frank@example.com refused")).toEqual({
      name: "string",
      message: "***@example.com refused",
    });
  });
});

describe("logger", () => {
  afterEach(() => vi.restoreAllMocks());

  /** The JSON lines the logger prints while `log` runs. */
  function printed(log: () => void): string {
    const lines: string[] = [];
    const capture = (chunk: string | Uint8Array) => {
      lines.push(String(chunk));
      return true;
    };
    vi.spyOn(process.stdout, "write").mockImplementation(capture);
    vi.spyOn(process.stderr, "write").mockImplementation(capture);
    log();
    vi.restoreAllMocks();
    return lines.join("");
  }

  it("prints an error without an email address, a key or the client library's extra properties", () => {
    const error = Object.assign(
      new Error("Email address is not verified: grace@example.com (sk_live_abcdefghijkl)"),
      { $response: { body: "to=grace@example.com" }, requestHeaders: { cookie: "session" } },
    );
    error.cause = new Error("upstream said heidi@example.com");
    const out = printed(() => logger.error("request failed", { error, to: "ivan@example.com" }));
    const line = JSON.parse(out.trim().split("\n").at(-1) ?? "{}");
    expect(line.message).toBe("request failed");
    expect(line.error.name).toBe("Error");
    expect(line.error.message).toBe("Email address is not verified: ***@example.com (sk_***)");
    expect(line.error.cause.message).toBe("upstream said ***@example.com");
    expect(line.to).toBe("***@example.com");
    expect(out).not.toMatch(/grace@|heidi@|ivan@|sk_live_abc|\$response|requestHeaders/);
  });

  it("never logs the incoming event, whatever POWERTOOLS_LOGGER_LOG_EVENT says", () => {
    expect(LOG_CONTEXT_OPTIONS.logEvent).toBe(false);
    vi.stubEnv("POWERTOOLS_LOGGER_LOG_EVENT", "true");
    try {
      const out = printed(() =>
        logger.logEventIfEnabled({ email: "judy@example.com" }, LOG_CONTEXT_OPTIONS.logEvent),
      );
      expect(out).toBe("");
    } finally {
      vi.unstubAllEnvs();
    }
  });
});
