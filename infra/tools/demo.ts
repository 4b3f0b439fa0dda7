/**
 * `npm run demo`: on a running `npm start`, seeds a small catalog and walks one backorder
 * story through the real API: orders with backordered lines, a supplier's notice that makes
 * them late (told at once), the receipt, the charge, the shipment and the delivery. It
 * prints each step and where to look (the mail viewer, the customer's order page, the
 * operator console, the API reference). Moves the local stack's virtual clock forward.
 *
 *   BACKORDER_DEMO_API   the HTTP API (default http://127.0.0.1:3000)
 *   BACKORDER_DEMO_SES   the local SES and mail viewer (default http://127.0.0.1:8005)
 */
import { randomUUID } from "node:crypto";
import { pathToFileURL } from "node:url";
import { addDays, toIsoDate } from "../../shared/domain/dates.ts";
import { signWebhook } from "../../shared/links/standard-webhooks.ts";

/** The local stack's default keys and supplier secret (README, "What npm start runs"). */
const STOREFRONT_KEY = process.env.BACKORDER_STOREFRONT_API_KEY ?? "local-storefront-key";
const WAREHOUSE_KEY = process.env.BACKORDER_WAREHOUSE_API_KEY ?? "local-warehouse-key";
const ACME_SECRET = "whsec_bG9jYWwtYWNtZS1zdXBwbGllci1zZWNyZXQtMDAwMQ==";

export interface DemoOptions {
  api: string;
  ses: string;
  log?: (line: string) => void;
}

export interface DemoResult {
  orders: { orderId: string; orderRef: string; status: string; lines: { status: string }[] }[];
  emails: { to: string; subject: string }[];
  orderPage: string;
}

interface Answer {
  status: number;
  json: Record<string, unknown>;
}

export async function runDemo({ api, ses, log = console.log }: DemoOptions): Promise<DemoResult> {
  const run = randomUUID().slice(0, 6).toUpperCase();
  const call = async (
    method: string,
    path: string,
    body?: unknown,
    headers: Record<string, string> = {},
  ): Promise<Answer> => {
    const res = await fetch(`${api}${path}`, {
      method,
      headers: {
        ...(body === undefined ? {} : { "content-type": "application/json" }),
        ...headers,
      },
      body: body === undefined ? undefined : typeof body === "string" ? body : JSON.stringify(body),
    });
    const text = await res.text();
    const json = (text ? JSON.parse(text) : {}) as Record<string, unknown>;
    if (res.status >= 400) {
      throw new Error(`${method} ${path} answered ${res.status}: ${text.slice(0, 300)}`);
    }
    return { status: res.status, json };
  };
  const storefront = { authorization: `Bearer ${STOREFRONT_KEY}` };
  const warehouse = { authorization: `Bearer ${WAREHOUSE_KEY}` };
  const idle = () => call("GET", "/_local/idle?timeoutMs=60000");
  const now = async () => new Date(String((await call("GET", "/_local/clock")).json.now));
  const step = (n: number, title: string) => log(`\n${n}. ${title}`);

  const health = await fetch(`${api}/health`).catch(() => null);
  if (health?.status !== 200) {
    throw new Error(`no local stack answers at ${api}/health: run \`npm start\` first`);
  }

  step(1, "A small catalog");
  const lamp = `LAMP-WALNUT-${run}`;
  const oak = `LAMP-OAK-${run}`;
  const shade = `SHADE-LINEN-${run}`;
  await call("PUT", `/v1/skus/${oak}`, { name: "Oak desk lamp", onHand: 5 }, storefront);
  await call("PUT", `/v1/skus/${shade}`, { name: "Linen lampshade", onHand: 10 }, storefront);
  await call(
    "PUT",
    `/v1/skus/${lamp}`,
    {
      name: "Walnut desk lamp",
      onHand: 0,
      backorder: { allowed: true, leadTimeDays: 10, limit: 50 },
      substitutes: [oak],
    },
    storefront,
  );
  log(`   ${lamp} "Walnut desk lamp": none in stock, backorders allowed, 10 days' lead time`);
  log(`   ${oak} "Oak desk lamp" (5, its substitute), ${shade} "Linen lampshade" (10)`);

  step(2, "Two customers order the walnut lamp");
  const order = async (ref: string, name: string, email: string, lines: unknown[]) =>
    (
      await call(
        "POST",
        "/v1/orders",
        {
          orderRef: ref,
          customer: { email, name },
          shippingAddress: {
            line1: "1 Main St",
            city: "Springfield",
            postalCode: "12345",
            country: "US",
          },
          splitPolicy: "ship_as_available",
          payment: {
            provider: "sandbox",
            customerRef: `cus_${run}`,
            paymentMethodRef: "pm_card_visa",
          },
          currency: "USD",
          lines,
        },
        { ...storefront, "idempotency-key": `${ref}-${run}` },
      )
    ).json;
  const ada = await order(`DEMO-${run}-1`, "Ada Lovelace", `ada.${run.toLowerCase()}@example.com`, [
    { lineRef: "1", sku: lamp, qty: 2, unitPrice: 8900 },
    { lineRef: "2", sku: shade, qty: 1, unitPrice: 3450 },
  ]);
  const grace = await order(
    `DEMO-${run}-2`,
    "Grace Hopper",
    `grace.${run.toLowerCase()}@example.com`,
    [{ lineRef: "1", sku: lamp, qty: 1, unitPrice: 8900 }],
  );
  for (const o of [ada, grace]) {
    const lines = o.lines as { sku: string; qty: number; status: string; promisedBy: string }[];
    log(
      `   ${o.orderRef}: ${lines.map((l) => `${l.qty} × ${l.sku} ${l.status}, ships by ${l.promisedBy}`).join("; ")}`,
    );
  }
  await idle();
  const promised = (ada.lines as { promisedBy: string }[])[0]?.promisedBy as string;
  // The lampshade was in stock: charged at once, and the warehouse sends it today.
  const shipNow = async (orderId: unknown) => {
    const page = await call(
      "GET",
      "/v1/shipments?status=requested&limit=1000",
      undefined,
      warehouse,
    );
    const mine = (page.json.shipments as { shipmentId: string; orderId: string }[]).filter(
      (s) => s.orderId === orderId,
    );
    for (const s of mine) {
      await call(
        "POST",
        `/v1/shipments/${s.shipmentId}/shipped`,
        { carrier: "UPS", trackingNumber: `1Z${run}${s.shipmentId.slice(-4)}` },
        warehouse,
      );
    }
    return mine;
  };
  const today = await shipNow(ada.orderId);
  await idle();
  log(`   the lampshade was in stock: charged and shipped today (${today.length} shipment)`);

  step(3, "The supplier's notice: 3 lamps, 12 days after the promise (told at once)");
  const eta = addDays(promised, 12);
  const notice = JSON.stringify({
    asnId: `ASN-${run}`,
    revision: 1,
    estimatedDeliveryAt: `${eta}T00:00:00Z`,
    lines: [{ sku: lamp, qty: 3 }],
  });
  const id = `msg_${randomUUID()}`;
  const timestamp = Math.floor((await now()).getTime() / 1000);
  await call("POST", "/v1/suppliers/acme/asns", notice, {
    "content-type": "application/json",
    "webhook-id": id,
    "webhook-timestamp": String(timestamp),
    "webhook-signature": signWebhook(ACME_SECRET, id, timestamp, notice),
  });
  await idle();
  log(`   ASN-${run} accepted: each customer gets a delay notice now, with the new date ${eta},`);
  log("   the oak lamp offered instead and a discount (before the promised date has passed)");

  step(4, `The clock moves to ${eta}; the warehouse receives the 3 lamps`);
  const days = Math.max(
    1,
    Math.round((Date.parse(`${eta}T09:00:00Z`) - (await now()).getTime()) / 1000),
  );
  await call("POST", "/_local/clock/advance", { seconds: days });
  const receipt = await call(
    "POST",
    "/v1/receipts",
    { receiptId: `RCV-${run}`, asnId: `ASN-${run}`, lines: [{ sku: lamp, qty: 3 }] },
    warehouse,
  );
  const fills = receipt.json.allocations as { orderId: string; qty: number }[] | undefined;
  log(
    `   receipt RCV-${run}: ${receipt.json.status}, ${fills?.length ?? 0} lines filled oldest first`,
  );
  await idle();
  log("   each filled line is charged (sandbox payments) and its shipment requested");

  step(5, "The warehouse ships and the carrier delivers");
  const ours = [...today, ...(await shipNow(ada.orderId)), ...(await shipNow(grace.orderId))];
  await idle();
  for (const s of ours) {
    await call("POST", `/v1/shipments/${s.shipmentId}/delivered`, undefined, warehouse);
  }
  await idle();
  log(`   the lamps shipped with UPS; all ${ours.length} shipments delivered`);

  step(6, "Where things stand");
  const orders: DemoResult["orders"] = [];
  for (const o of [ada, grace]) {
    const read = (await call("GET", `/v1/orders/${o.orderId}`, undefined, storefront)).json;
    const lines = read.lines as { sku: string; qty: number; status: string }[];
    orders.push({
      orderId: String(read.orderId),
      orderRef: String(read.orderRef),
      status: String(read.status),
      lines,
    });
    log(
      `   ${read.orderRef}: ${read.status} (${lines.map((l) => `${l.qty} × ${l.sku} ${l.status}`).join("; ")})`,
    );
  }
  const store = (await (await fetch(`${ses}/store`)).json()) as {
    emails: { destination: { to: string[] }; subject: string; body: { text?: string } }[];
  };
  const addresses = new Set([
    String((ada.customer as { email?: string } | undefined)?.email ?? ""),
    `ada.${run.toLowerCase()}@example.com`,
    `grace.${run.toLowerCase()}@example.com`,
  ]);
  const emails = store.emails
    .filter((e) => e.destination.to.some((to) => addresses.has(to)))
    .map((e) => ({
      to: e.destination.to[0] as string,
      subject: e.subject,
      text: e.body.text ?? "",
    }));
  for (const e of emails) log(`   email to ${e.to}: ${e.subject}`);
  const link =
    emails
      .flatMap((e) => [...e.text.matchAll(/https?:\/\/\S+/g)].map((m) => m[0]))
      .find((u) => u.includes(String(ada.orderId)) && !u.includes("action=")) ?? "";
  log("\nWhere to look:");
  log(`   mail viewer          ${ses}/`);
  log(`   Ada's order page     ${link}`);
  log(`   operator console     ${api}/console#/search/${encodeURIComponent(String(ada.orderRef))}`);
  log(`                        (sign in with the storefront key, ${STOREFRONT_KEY})`);
  log(`   API reference        ${api}/docs`);
  log(`   today, on the clock  ${toIsoDate(await now())}`);
  return { orders, emails: emails.map(({ to, subject }) => ({ to, subject })), orderPage: link };
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const api = process.env.BACKORDER_DEMO_API ?? "http://127.0.0.1:3000";
  const ses = process.env.BACKORDER_DEMO_SES ?? "http://127.0.0.1:8005";
  await runDemo({ api, ses }).catch((error: unknown) => {
    console.error(error instanceof Error ? error.message : String(error));
    process.exit(1);
  });
}
