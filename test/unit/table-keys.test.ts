import { describe, expect, it } from "vitest";
import type * as z from "zod";
import { KEY_LIMITS, keys } from "../../shared/adapters/dynamodb/table.ts";
import { notificationKey } from "../../shared/domain/notifications.ts";
import {
  asnBody,
  idempotencyKey,
  orderId,
  postOrderBody,
  postReceiptBody,
  supplierId,
} from "../../shared/http/schemas.ts";
import { MAX_WEBHOOK_ID_LENGTH } from "../../shared/links/standard-webhooks.ts";

/**
 * Every key is bounded by design: built from the largest values the API accepts (each
 * character three UTF-8 bytes where the schema lets it be), it fits DynamoDB's limits
 * (partition key 2,048 bytes, sort key 1,024), and what can grow without bound is hashed.
 */
const bytes = (s: string) => Buffer.byteLength(s);

function fits(key: Record<string, string>) {
  for (const [name, value] of Object.entries(key)) {
    const limit = name.endsWith("pk") ? KEY_LIMITS.partition : KEY_LIMITS.sort;
    expect(bytes(value), `${name} of ${bytes(value)} bytes`).toBeLessThanOrEqual(limit);
  }
}

/** The longest value `schema` accepts of `char`, found by asking it. */
function longest(schema: z.ZodType, char: string, wrap: (v: string) => unknown = (v) => v) {
  let n = 1;
  while (schema.safeParse(wrap(char.repeat(n + 1))).success && n < 100_000) n++;
  expect(schema.safeParse(wrap(char.repeat(n))).success).toBe(true);
  return char.repeat(n);
}

const lineIds = (n: number) =>
  Array.from({ length: n }, (_, i) => `ln_01KB${String(i).padStart(22, "0")}`);

describe("keys built from request data", () => {
  it("fit DynamoDB's limits at the largest values the API accepts", () => {
    const orderSku = longest(postOrderBody.shape.lines.element.shape.sku, "€");
    const asnId = longest(asnBody.shape.asnId, "€");
    const receiptId = longest(postReceiptBody.shape.receiptId, "€");
    const supplier = longest(supplierId, "s");
    const order = longest(orderId, "o");
    const idempotency = longest(idempotencyKey, "€");
    const webhookId = "w".repeat(MAX_WEBHOOK_ID_LENGTH);
    fits(keys.sku(orderSku));
    fits(keys.inbound(orderSku, supplier, asnId));
    fits(keys.waiting({ sku: orderSku, createdAt: new Date().toISOString(), lineId: order }));
    fits(keys.idempotency("orders", idempotency));
    fits(keys.receipt(receiptId));
    fits(keys.asn(supplier, asnId));
    fits(keys.delivery(supplier, webhookId));
    fits(keys.line(order, order));
    fits(keys.shipment(order));
    fits(keys.shipmentsByStatus("requested", new Date().toISOString(), order));
  });

  it("hash an email's event key once it names more lines than a sort key holds, keeping its kind", () => {
    const many = notificationKey("eta_updated", lineIds(104), "none>2027-01-15+".repeat(104));
    const key = keys.notification("ord_1", many);
    fits(key);
    expect(key.sk).toMatch(/^NOTIF#eta_updated#~[A-Za-z0-9_-]{43}$/);
    // The same event always gives the same key; another set of lines another.
    expect(keys.notification("ord_1", many)).toEqual(key);
    const fewer = notificationKey("eta_updated", lineIds(103), "none>2027-01-15+".repeat(104));
    expect(keys.notification("ord_1", fewer).sk).not.toBe(key.sk);
    fits(keys.notificationListed("ord_1", many, new Date().toISOString()));
  });

  it("keep every key that fits as it was (readable, and unchanged for emails already claimed)", () => {
    const few = notificationKey("shipped", lineIds(3), "shp_1");
    expect(keys.notification("ord_1", few).sk).toBe(`NOTIF#${few}`);
    // The longest that fits is kept; one byte more is hashed.
    const room = KEY_LIMITS.sort - "NOTIF#".length;
    expect(keys.notification("ord_1", `charged#${"x".repeat(room - 8)}`).sk).toHaveLength(
      KEY_LIMITS.sort,
    );
    expect(keys.notification("ord_1", `charged#${"x".repeat(room - 7)}`).sk).toMatch(/#~/);
  });

  it("hash a webhook-id that would pass the partition key's limit", () => {
    const key = keys.delivery("acme", "€".repeat(1000));
    fits(key);
    expect(key.pk).toMatch(/^WEBHOOK#acme#~/);
    expect(keys.delivery("acme", "msg_1").pk).toBe("WEBHOOK#acme#msg_1");
  });
});
