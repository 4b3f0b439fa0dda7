import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  type DynamoDbLocalHandle,
  localDynamoDbClient,
  startDynamoDbLocal,
} from "../../infra/local/dynamodb/process.ts";
import { createTablesFromTemplate } from "../../infra/local/dynamodb/tables.ts";
import { LOCAL_CREDENTIALS } from "../../infra/local/identity.ts";
import { freePort } from "../../infra/local/ports.ts";
import { localTemplate } from "../../infra/local/template.ts";
import { DynamoDbShipments } from "../../shared/adapters/dynamodb/shipments.ts";
import { encodeCursor, lineItem, putsIfAbsent } from "../../shared/adapters/dynamodb/table.ts";
import type { LineStatus } from "../../shared/domain/line-states.ts";
import type { Line, Order } from "../../shared/domain/model.ts";
import type { Notification } from "../../shared/domain/notifications.ts";
import { InvalidCursorError, type Page, type PageRequest } from "../../shared/ports/paging.ts";
import { TestTable } from "../support/table.ts";

/**
 * Paged lists and DynamoDB's item limits (keys, transactions of 100 items) met by ordinary
 * requests, against DynamoDB Local, which refuses what AWS refuses.
 */
const cacheDir = join(fileURLToPath(new URL("../../", import.meta.url)), ".cache");
const TABLE = "lists-and-limits-table";
const AT = new Date("2026-11-24T10:00:00.000Z");

let handle: DynamoDbLocalHandle | undefined;
let store: TestTable;
let shipments: DynamoDbShipments;

beforeAll(async () => {
  handle = await startDynamoDbLocal({ port: await freePort(), cacheDir, inMemory: true });
  const client = localDynamoDbClient(handle.endpoint);
  await createTablesFromTemplate(client, (await localTemplate()).template, () => TABLE);
  client.destroy();
  Object.assign(process.env, {
    AWS_REGION: "us-east-1",
    AWS_ACCESS_KEY_ID: LOCAL_CREDENTIALS.accessKeyId,
    AWS_SECRET_ACCESS_KEY: LOCAL_CREDENTIALS.secretAccessKey,
    AWS_ENDPOINT_URL_DYNAMODB: handle.endpoint,
  });
  store = new TestTable(TABLE);
  shipments = new DynamoDbShipments(store.table);
});

afterAll(async () => {
  await handle?.stop();
});

let counter = 0;
const unique = (prefix: string) => `${prefix}-${String(++counter).padStart(4, "0")}`;
const later = (ms: number) => new Date(AT.getTime() + ms);

/** An order of `count` lines in `status`, one unit each, of `skus` in turn. */
async function storedOrder(
  count: number,
  status: LineStatus,
  skus: readonly string[] = [unique("SKU")],
): Promise<{ order: Order; lines: Line[] }> {
  const orderId = unique("ord");
  const order: Order = {
    orderId,
    orderRef: "SHOP-1",
    status: "open",
    customer: { email: "ada@example.com", name: "Ada" },
    shippingAddress: { line1: "1 Main St", city: "X", postalCode: "1", country: "US" },
    splitPolicy: "ship_complete",
    payment: { provider: "sandbox", customerRef: "c", paymentMethodRef: "pm_card_visa" },
    currency: "USD",
    createdAt: AT.toISOString(),
  };
  const lines = Array.from(
    { length: count },
    (_, i): Line => ({
      orderId,
      lineId: `ln_${orderId}-${String(i).padStart(4, "0")}`,
      lineRef: "1",
      sku: skus[i % skus.length] as string,
      qty: 1,
      unitPrice: 100,
      currency: "USD",
      status,
      eta: null,
      promisedBy: "2026-12-01",
      createdAt: AT.toISOString(),
      history: [{ status, at: AT.toISOString() }],
      lastContactAt: AT.toISOString(),
      promiseEscalated: false,
    }),
  );
  // Written in pieces: the point of some tests is that one transaction cannot hold them.
  await store.putOrder(order, []);
  for (let i = 0; i < lines.length; i += 50) {
    await store.table.transact(putsIfAbsent(TABLE, lines.slice(i, i + 50).map(lineItem)));
  }
  return { order, lines };
}

/** Every page of a list, by `limit`, with the size of each. */
async function allPages<T>(
  list: (page: PageRequest) => Promise<Page<T>>,
  limit: number,
): Promise<{ items: T[]; sizes: number[] }> {
  const items: T[] = [];
  const sizes: number[] = [];
  let cursor: string | null = null;
  do {
    const page: Page<T> = await list({ limit, cursor });
    items.push(...page.items);
    sizes.push(page.items.length);
    cursor = page.next;
  } while (cursor);
  return { items, sizes };
}

describe("paged lists", () => {
  it("pages shipments of a status oldest first, each once, and refuses a cursor of another list", async () => {
    const mine: string[] = [];
    for (let i = 0; i < 7; i++) {
      const { order, lines } = await storedOrder(1, "allocated");
      const shipmentId = `shp_${unique("page")}`;
      expect(await shipments.createShipment(order, lines, shipmentId, later(i))).toBe(true);
      mine.push(shipmentId);
    }
    const { items, sizes } = await allPages((p) => shipments.listShipments("forming", p), 3);
    const listed = items.map((s) => s.shipmentId).filter((id) => mine.includes(id));
    expect(listed).toEqual(mine);
    expect(sizes.every((n) => n <= 3)).toBe(true);

    const first = await shipments.listShipments("forming", { limit: 1 });
    expect(first.next).toEqual(expect.any(String));
    // A cursor of the forming list is not one of the requested list, nor is a made-up one.
    await expect(
      shipments.listShipments("requested", { limit: 1, cursor: first.next }),
    ).rejects.toThrow(InvalidCursorError);
    for (const cursor of [
      "not-base64!",
      "x".repeat(20_000),
      "e30",
      encodeCursor({ pk: "x", sk: "y", gsi1pk: "SHIPMENTS#forming" }) as string,
      encodeCursor({ pk: 1, sk: "y", gsi1pk: "SHIPMENTS#forming", gsi1sk: "z" }) as string,
      encodeCursor({ pk: "x".repeat(3000), sk: "y", gsi1pk: "SHIPMENTS#forming", gsi1sk: "z" }),
    ]) {
      await expect(
        shipments.listShipments("forming", { limit: 1, cursor: cursor as string }),
      ).rejects.toThrow(InvalidCursorError);
    }
  });

  it("pages an order's emails in the order they were sent; the last page says so", async () => {
    const orderId = unique("ord");
    const draft = (i: number): Notification => ({
      kind: "check_in",
      to: "ada@example.com",
      subject: `email ${i}`,
      sentAt: later(i).toISOString(),
      lineIds: [`ln-${i}`],
    });
    // Sent in an order other than their keys'; one refused for good; one only claimed.
    for (const i of [4, 1, 3, 0, 5, 2]) {
      const key = `k-${9 - i}`;
      expect(await store.notifications.claimNotification(orderId, key, draft(i), later(i))).toEqual(
        { attempt: 1 },
      );
      if (i === 2) {
        await store.notifications.markNotificationFailed(orderId, key, later(i), "Refused");
      } else {
        await store.notifications.markNotificationSent(orderId, key, `msg-${i}`, later(i));
      }
    }
    await store.notifications.claimNotification(orderId, "k-claimed", draft(9), later(9));

    const { items, sizes } = await allPages(
      (p) => store.notifications.notificationsPage(orderId, p),
      2,
    );
    expect(items.map((n) => n.subject)).toEqual([0, 1, 2, 3, 4, 5].map((i) => `email ${i}`));
    expect(items.map((n) => n.state)).toEqual(["sent", "sent", "failed", "sent", "sent", "sent"]);
    // Six emails by two: three pages, the third the last (no empty page after it).
    expect(sizes).toEqual([2, 2, 2]);

    // The failed one claimed again leaves the list until it is sent.
    expect(
      await store.notifications.claimNotification(orderId, "k-7", draft(2), later(20)),
    ).toEqual({ attempt: 2 });
    const page = await store.notifications.notificationsPage(orderId, { limit: 10 });
    expect(page.items.map((n) => n.subject)).not.toContain("email 2");
    expect(page.next).toBeNull();

    const other = await store.notifications.notificationsPage(orderId, { limit: 1 });
    await expect(
      store.notifications.notificationsPage(unique("ord"), { limit: 1, cursor: other.next }),
    ).rejects.toThrow(InvalidCursorError);
  });
});
