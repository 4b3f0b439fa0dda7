import { randomUUID } from "node:crypto";
import { Agent, request } from "node:http";
import { connect } from "node:net";
import { describe, expect, it } from "vitest";
import { signOrderToken } from "../../../shared/links/customer-links.ts";
import { ownStack } from "../own-stack.ts";
import { api, apiUrl, keys, newSku, orderBody, postOrder, putSku } from "../support.ts";
import { advanceClock, asnFor, localAdapters, postAsn, virtualNow } from "./support-local.ts";

/**
 * What a bounded fuzz and a probe as a hostile client found (issue 15), each kept found:
 * every answer a clear 4xx, nothing written on a refusal. A stack of its own: one case
 * moves the clock, and the table is compared whole before and after refusals.
 */
await ownStack();
const { store } = localAdapters();

const LINK_SECRET = "local-customer-link-signing-secret";

/** The table as a map of item key to item, to tell what a call wrote. */
async function snapshot(): Promise<Map<string, string>> {
  const items = await store.scanAll();
  return new Map(items.map((i) => [`${i.pk}|${i.sk}`, JSON.stringify(i)]));
}

async function expectNothingWritten(before: Map<string, string>, what: string): Promise<void> {
  const after = await snapshot();
  const changed = [...after].filter(([k, v]) => before.get(k) !== v).map(([k]) => k);
  expect(changed, `${what} wrote`).toEqual([]);
}

/** Raw bytes to the gateway and what comes back before it closes (or 3 s pass). */
function rawRequest(text: string): Promise<string> {
  const { port, hostname } = new URL(apiUrl());
  return new Promise((resolve) => {
    const socket = connect(Number(port), hostname, () => socket.write(text));
    let got = "";
    socket.on("data", (d) => {
      got += d.toString("utf8");
    });
    const timer = setTimeout(() => {
      socket.destroy();
      resolve(got);
    }, 3000);
    socket.on("close", () => {
      clearTimeout(timer);
      resolve(got);
    });
  });
}

describe("supplier notices from a hostile sender", () => {
  it("refuse a line whose SKU could be no catalog's code (400), writing nothing", async () => {
    const day = "2027-03-01";
    for (const sku of [" ", "<script>", "SKU#X", "a".repeat(65), "\u0000"]) {
      const before = await snapshot();
      const res = await postAsn("acme", asnFor(sku, 1, day));
      expect(res.status, `${JSON.stringify(sku)}: ${res.text}`).toBe(400);
      expect(res.headers.get("content-type")).toContain("application/problem+json");
      expect(res.json.errors).toEqual(
        expect.arrayContaining([expect.objectContaining({ path: "/lines/0/sku" })]),
      );
      await expectNothingWritten(before, `a notice for ${JSON.stringify(sku)}`);
    }
  });

  it("refuse a webhook-id longer than 255 characters (400), not a 500", async () => {
    const before = await snapshot();
    const res = await postAsn("acme", asnFor(newSku("LONG"), 1, "2027-03-01"), {
      id: "x".repeat(8000),
    });
    expect(res.status, res.text).toBe(400);
    expect(res.json.errors).toEqual([expect.objectContaining({ path: "/headers/webhook-id" })]);
    await expectNothingWritten(before, "an 8,000-character webhook-id");
  });

  it("answer a supplier id such as __proto__ with 401 or 403, never a 500", async () => {
    for (const supplier of ["__proto__", "constructor", "toString", "hasOwnProperty"]) {
      const before = await snapshot();
      const res = await postAsn(supplier, asnFor(newSku("PROTO"), 1, "2027-03-01"));
      expect([401, 403], `${supplier}: ${res.text}`).toContain(res.status);
      await expectNothingWritten(before, `a notice to ${supplier}`);
    }
  });

  it("refuse another notice under a webhook-id already taken (409), and answer a true redelivery as before", async () => {
    const sku = newSku("REUSE");
    await putSku(sku, { name: "Reused", onHand: 0, backorder: { allowed: true } });
    const id = `msg_${randomUUID()}`;
    const first = asnFor(sku, 5, "2027-03-01");
    const taken = await postAsn("acme", first, { id });
    expect(taken.status, taken.text).toBe(202);
    const again = await postAsn("acme", first, { id });
    expect(again.status).toBe(202);
    expect(again.json).toEqual(taken.json);

    const before = await snapshot();
    const other = await postAsn("acme", asnFor(sku, 9, "2027-03-02"), { id });
    expect(other.status, other.text).toBe(409);
    expect(String(other.json.type)).toMatch(/\/webhook-id-reused$/);
    await expectNothingWritten(before, "a second notice under a taken webhook-id");
    const read = await api(`/v1/skus/${sku}`, { key: keys.storefront });
    expect(read.json.inbound).toEqual([expect.objectContaining({ qty: 5 })]);
  });
});

describe("receipts larger than their notice", () => {
  it("leave nothing on its way, not a negative quantity", async () => {
    const sku = newSku("OVER");
    await putSku(sku, { name: "Over", onHand: 0, backorder: { allowed: true } });
    const notice = asnFor(sku, 5, "2027-03-01");
    expect((await postAsn("acme", notice)).status).toBe(202);
    const receipt = await api("/v1/receipts", {
      method: "POST",
      key: keys.warehouse,
      body: { receiptId: `RCV-${randomUUID()}`, asnId: notice.asnId, lines: [{ sku, qty: 12 }] },
    });
    expect(receipt.status, receipt.text).toBe(200);
    const inbound = (await store.scanAll()).filter(
      (i) => i.pk === `SKU#${sku}` && String(i.sk).startsWith("INBOUND#"),
    );
    expect(inbound.map((i) => i.qty)).toEqual([0]);
    const read = await api(`/v1/skus/${sku}`, { key: keys.storefront });
    expect(read.json).toMatchObject({ onHand: 12, inbound: [] });
  });
});

describe("the local gateway", () => {
  it("answers CONNECT with 405 and closes, as API Gateway refuses it", async () => {
    const answer = await rawRequest(
      `CONNECT ${new URL(apiUrl()).host} HTTP/1.1\r\nHost: ${new URL(apiUrl()).host}\r\n\r\n`,
    );
    expect(answer).toMatch(/^HTTP\/1\.1 405 /);
    expect(answer).toContain('{"message":"Method Not Allowed"}');
    const health = await api("/health");
    expect(health.status).toBe(200);
  });

  it("answers a body over API Gateway's 10 MB with 413 once it is sent, and closes: the next request on a kept-alive connection is answered", async () => {
    const { port, hostname } = new URL(apiUrl());
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    const send = (method: string, path: string, body?: Buffer) =>
      new Promise<{ status: number; text: string; connection: string | undefined }>(
        (resolve, reject) => {
          const out = request(
            {
              agent,
              host: hostname,
              port,
              method,
              path,
              headers: body
                ? { "content-type": "application/json", "content-length": body.length }
                : {},
            },
            (res) => {
              const chunks: Buffer[] = [];
              res.on("data", (c: Buffer) => chunks.push(c));
              res.on("end", () =>
                resolve({
                  status: res.statusCode ?? 0,
                  text: Buffer.concat(chunks).toString("utf8"),
                  connection: res.headers.connection,
                }),
              );
            },
          );
          out.on("error", reject);
          out.end(body);
        },
      );
    try {
      const before = await snapshot();
      const huge = await send(
        "PUT",
        `/v1/skus/${newSku("HUGE")}`,
        Buffer.alloc(12 * 1024 * 1024, "x"),
      );
      expect(huge.status).toBe(413);
      expect(huge.text).toBe('{"message":"Request Entity Too Large"}');
      expect(huge.connection).toBe("close");
      await expectNothingWritten(before, "a 12 MB body");
      // The same agent, one socket: the next request goes out on a fresh connection.
      const health = await send("GET", "/health");
      expect(health.status).toBe(200);
    } finally {
      agent.destroy();
    }
  });

  it("refuses to move the clock past its bound (400), and the clock and writes go on", async () => {
    const before = await virtualNow();
    for (const seconds of [1e13, 1e300, 11 * 366 * 86_400]) {
      const res = await api("/_local/clock/advance", { method: "POST", body: { seconds } });
      expect(res.status, `${seconds}: ${res.text}`).toBe(400);
      expect(res.json.errors).toEqual([expect.objectContaining({ path: "/seconds" })]);
    }
    const after = await virtualNow();
    expect(after.getTime() - before.getTime()).toBeLessThan(60_000);
    await advanceClock(86_400);
    const sku = newSku("CLOCK");
    expect(await putSku(sku, { name: "After", onHand: 1 })).toMatchObject({ sku, onHand: 1 });
  });
});

describe("customer links from a hostile reader", () => {
  it("refuse a token spelled otherwise than as it was signed (401), so a link has one form", async () => {
    const sku = newSku("LINK");
    await putSku(sku, { name: "Linked", onHand: 5 });
    const placed = await postOrder(orderBody([{ lineRef: "1", sku, qty: 1, unitPrice: 500 }]));
    expect(placed.status, placed.text).toBe(201);
    const orderId = String(placed.json.orderId);
    const expires = new Date((await virtualNow()).getTime() + 30 * 86_400_000);
    const token = await signOrderToken(LINK_SECRET, orderId, expires);
    const page = (t: string) =>
      api(`/v1/customer/orders/${orderId}?token=${encodeURIComponent(t)}`);
    expect((await page(token)).status).toBe(200);
    const [header, payload, signature] = token.split(".") as [string, string, string];
    // The same bytes spelled otherwise: padding, a space, the unused low bits of the last
    // character (32 bytes in 43 characters), and characters a lenient decoder skips.
    const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    const last = signature.at(-1) ?? "A";
    const sameBits = alphabet[alphabet.indexOf(last) ^ 1] ?? "A";
    for (const variant of [
      `${token}=`,
      `${token}==`,
      `${header}.${payload}.${signature.slice(0, 5)} ${signature.slice(5)}`,
      `${header}.${payload}.${signature.slice(0, 5)}!${signature.slice(5)}`,
      `${header}.${payload}.${signature.slice(0, -1)}${sameBits}`,
      `${header}.${payload}=.${signature}`,
    ]) {
      const res = await page(variant);
      expect(res.status, variant).toBe(401);
      expect(res.headers.get("content-type")).toContain("application/problem+json");
    }
  });
});
