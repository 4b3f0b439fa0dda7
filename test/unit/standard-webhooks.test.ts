import { createHmac } from "node:crypto";
import { describe, expect, it } from "vitest";
import {
  MAX_WEBHOOK_ID_LENGTH,
  signWebhook,
  verifyWebhook,
} from "../../shared/links/standard-webhooks.ts";

const SECRET = "whsec_bG9jYWwtYWNtZS1zdXBwbGllci1zZWNyZXQtMDAwMQ==";
const NOW = 1_800_000_000;
const BODY = '{"asnId":"ASN-1"}';

describe("Standard Webhooks signatures", () => {
  it("signs HMAC-SHA256 of id.timestamp.body with the secret's decoded bytes", () => {
    const key = Buffer.from(SECRET.slice("whsec_".length), "base64");
    const mac = createHmac("sha256", key).update(`msg_1.${NOW}.${BODY}`).digest("base64");
    expect(signWebhook(SECRET, "msg_1", NOW, BODY)).toBe(`v1,${mac}`);
  });

  it("accepts a fresh, correctly signed delivery, also among several signatures", () => {
    const signature = signWebhook(SECRET, "msg_1", NOW, BODY);
    const headers = { id: "msg_1", timestamp: String(NOW), signature };
    expect(verifyWebhook(SECRET, headers, BODY, [NOW + 10])).toEqual({ ok: true });
    const rotated = { ...headers, signature: `v1,b2xkLWtleQ== ${signature}` };
    expect(verifyWebhook(SECRET, rotated, BODY, [NOW])).toEqual({ ok: true });
  });

  it("accepts only the canonical signature text (no padding or whitespace games)", () => {
    const signature = signWebhook(SECRET, "msg_1", NOW, BODY);
    const headers = { id: "msg_1", timestamp: String(NOW), signature: `${signature}=` };
    expect(verifyWebhook(SECRET, headers, BODY, [NOW]).ok).toBe(false);
  });

  it("refuses a changed body, id or secret", () => {
    const headers = {
      id: "msg_1",
      timestamp: String(NOW),
      signature: signWebhook(SECRET, "msg_1", NOW, BODY),
    };
    expect(verifyWebhook(SECRET, headers, `${BODY} `, [NOW]).ok).toBe(false);
    expect(verifyWebhook(SECRET, { ...headers, id: "msg_2" }, BODY, [NOW]).ok).toBe(false);
    expect(verifyWebhook("whsec_b3RoZXI=", headers, BODY, [NOW])).toEqual({
      ok: false,
      reason: "bad-signature",
    });
  });

  it("refuses timestamps more than 5 minutes off any accepted now, and missing headers", () => {
    const signature = signWebhook(SECRET, "msg_1", NOW, BODY);
    const headers = { id: "msg_1", timestamp: String(NOW), signature };
    expect(verifyWebhook(SECRET, headers, BODY, [NOW + 301])).toEqual({
      ok: false,
      reason: "stale-timestamp",
    });
    expect(verifyWebhook(SECRET, headers, BODY, [NOW + 301, NOW - 5]).ok).toBe(true);
    expect(verifyWebhook(SECRET, { ...headers, signature: undefined }, BODY, [NOW])).toEqual({
      ok: false,
      reason: "missing-headers",
    });
    // An id longer than accepted is refused (the API answers 400) before anything is looked up.
    const long = "x".repeat(MAX_WEBHOOK_ID_LENGTH + 1);
    const signedLong = signWebhook(SECRET, long, NOW, BODY);
    expect(
      verifyWebhook(SECRET, { id: long, timestamp: String(NOW), signature: signedLong }, BODY, [
        NOW,
      ]),
    ).toEqual({ ok: false, reason: "id-too-long" });
  });
});
