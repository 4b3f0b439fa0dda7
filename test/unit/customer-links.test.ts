import { SignJWT } from "jose";
import { describe, expect, it } from "vitest";
import {
  customerLinks,
  parseLinkKeys,
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
      generation: 0,
    });
  });

  it("carries the order's link generation, left out while it is 0", async () => {
    const first = await signOrderToken(SECRET, "ord_1", LATER);
    const third = await signOrderToken(SECRET, "ord_1", LATER, 2);
    const claims = (token: string) =>
      JSON.parse(Buffer.from(token.split(".")[1] ?? "", "base64url").toString());
    expect(claims(first)).not.toHaveProperty("g");
    expect(claims(third)).toMatchObject({ o: "ord_1", g: 2 });
    expect(await verifyOrderToken(SECRET, third, NOW)).toMatchObject({ ok: true, generation: 2 });
    const links = await customerLinks("https://shop.example", SECRET, "ord_1", LATER, 2);
    const token = new URL(links.order).searchParams.get("token") ?? "";
    expect(await verifyOrderToken(SECRET, token, NOW)).toMatchObject({ generation: 2 });
  });

  it("calls a token with a generation that is no count malformed", async () => {
    for (const g of [-1, 1.5, "2"]) {
      const token = await new SignJWT({ o: "ord_1", g })
        .setProtectedHeader({ alg: "HS256" })
        .setExpirationTime(Math.floor(LATER.getTime() / 1000))
        .sign(new TextEncoder().encode(SECRET));
      expect(await verifyOrderToken(SECRET, token, NOW)).toEqual({
        ok: false,
        reason: "malformed",
      });
    }
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

describe("one spelling per token", () => {
  /** The same bytes, spelled otherwise: each would verify with a lenient decoder. */
  function respellings(token: string): string[] {
    const [header, payload, signature] = token.split(".") as [string, string, string];
    const last = signature.at(-1) ?? "A";
    // 32 bytes take 43 characters whose last carries 4 bits: its 2 low bits are unused.
    const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    const sameBits = alphabet[alphabet.indexOf(last) ^ 1] ?? "A";
    return [
      `${header}.${payload}.${signature}==`,
      `${header}.${payload}.${signature.slice(0, 10)}!${signature.slice(10)}`,
      `${header}.${payload}.${signature.slice(0, -1)}${sameBits}`,
      `${header}=.${payload}.${signature}`,
      `${header}.${payload}.${signature.replaceAll("-", "+").replaceAll("_", "/")}`,
      ` ${token}`,
    ].filter((t) => t !== token);
  }

  it("refuses a signature or part written in any but its canonical base64url", async () => {
    const token = await signOrderToken(SECRET, "ord_1", LATER);
    const variants = respellings(token);
    expect(variants.length).toBeGreaterThanOrEqual(5);
    for (const variant of variants) {
      expect(await verifyOrderToken(SECRET, variant, NOW), variant).toEqual({
        ok: false,
        reason: "malformed",
      });
    }
    expect((await verifyOrderToken(SECRET, token, NOW)).ok).toBe(true);
  });
});

describe("rotating the link signing secret", () => {
  const OLD = "the-old-link-signing-secret";
  const NEW = "the-new-link-signing-secret";
  const until = new Date("2026-12-01T00:00:00Z");
  const keys = parseLinkKeys(
    JSON.stringify({ current: NEW, previous: OLD, previousUntil: until.toISOString() }),
  );

  it("reads one secret or JSON with the previous one and its end", () => {
    expect(parseLinkKeys(SECRET)).toEqual({ current: SECRET });
    expect(keys).toEqual({ current: NEW, previous: { secret: OLD, until } });
    expect(() => parseLinkKeys("short")).toThrow(/16 characters/);
    expect(() => parseLinkKeys(JSON.stringify({ current: NEW, previous: OLD }))).toThrow(
      /previousUntil/,
    );
    expect(() => parseLinkKeys("{not json")).toThrow(/not JSON/);
  });

  it("opens links signed with the previous secret until its end, then no more", async () => {
    const old = await signOrderToken(OLD, "ord_1", LATER);
    expect(await verifyOrderToken(keys, old, NOW)).toMatchObject({ ok: true, orderId: "ord_1" });
    expect(await verifyOrderToken(keys, old, until)).toEqual({
      ok: false,
      reason: "bad-signature",
    });
    const fresh = await signOrderToken(keys.current, "ord_1", LATER);
    expect(await verifyOrderToken(keys, fresh, until)).toMatchObject({ ok: true });
    // A secret no longer configured opens nothing.
    expect(await verifyOrderToken({ current: NEW }, old, NOW)).toEqual({
      ok: false,
      reason: "bad-signature",
    });
  });
});
