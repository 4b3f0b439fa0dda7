import { describe, expect, it } from "vitest";
import {
  customerLinks,
  signOrderToken,
  verifyOrderToken,
} from "../../shared/links/customer-links.ts";

const SECRET = "a-signing-secret-of-some-length";
const NOW = new Date("2026-11-24T10:00:00Z");
const LATER = new Date("2027-02-22T10:00:00Z");

describe("customer link tokens", () => {
  it("round-trips the order id and expiry", async () => {
    const token = await signOrderToken(SECRET, "ord_1", LATER);
    expect(await verifyOrderToken(SECRET, token, NOW)).toEqual({
      ok: true,
      orderId: "ord_1",
      expiresAt: LATER,
    });
  });

  it("is expired at and after its expiry", async () => {
    const token = await signOrderToken(SECRET, "ord_1", LATER);
    expect(await verifyOrderToken(SECRET, token, LATER)).toEqual({ ok: false, reason: "expired" });
  });

  it("refuses another secret and a tampered payload", async () => {
    const token = await signOrderToken(SECRET, "ord_1", LATER);
    expect(await verifyOrderToken("another-secret-entirely", token, NOW)).toEqual({
      ok: false,
      reason: "bad-signature",
    });
    const [header, , signature] = token.split(".");
    const forged = Buffer.from(JSON.stringify({ o: "ord_2", exp: 9_999_999_999 })).toString(
      "base64url",
    );
    expect(await verifyOrderToken(SECRET, `${header}.${forged}.${signature}`, NOW)).toEqual({
      ok: false,
      reason: "bad-signature",
    });
  });

  it("refuses a token signed without a key (alg none) or with another algorithm", async () => {
    const payload = Buffer.from(JSON.stringify({ o: "ord_1", exp: 9_999_999_999 })).toString(
      "base64url",
    );
    const none = Buffer.from(JSON.stringify({ alg: "none" })).toString("base64url");
    expect((await verifyOrderToken(SECRET, `${none}.${payload}.`, NOW)).ok).toBe(false);
  });

  it("calls junk malformed", async () => {
    for (const junk of ["", "abc", "a.b.c", "."]) {
      expect((await verifyOrderToken(SECRET, junk, NOW)).ok).toBe(false);
    }
    expect(await verifyOrderToken(SECRET, "abc", NOW)).toEqual({ ok: false, reason: "malformed" });
  });

  it("builds order and cancel links carrying the token", async () => {
    const links = await customerLinks("https://shop.example", SECRET, "ord 1", LATER);
    const order = new URL(links.order);
    expect(order.pathname).toBe("/v1/customer/orders/ord%201");
    const token = order.searchParams.get("token") ?? "";
    expect(await verifyOrderToken(SECRET, token, NOW)).toMatchObject({
      ok: true,
      orderId: "ord 1",
    });
    const cancel = new URL(links.cancelLine("ln_9"));
    expect(cancel.searchParams.get("token")).toBe(token);
    expect(cancel.searchParams.get("action")).toBe("cancel");
    expect(cancel.searchParams.get("lineId")).toBe("ln_9");
  });
});
