import { randomUUID } from "node:crypto";
import { signOrderToken } from "../../shared/links/customer-links.ts";
import { signWebhook } from "../../shared/links/standard-webhooks.ts";
import { prng } from "../fuzz/fuzz.ts";

/**
 * The soak's scenario driver (issue 15): a seeded generator of what a shop's day brings,
 * sent through the HTTP API of a running local stack. Shoppers order across split policies
 * and currencies, some with a card that declines, cancel, consent, take substitutes and
 * replace cards; suppliers send notices, redeliver them and revise them; the warehouse
 * receives (small and large receipts), ships and delivers; stock is counted by hand; the
 * virtual clock moves across delay tiers and payment windows. It only acts: what must hold
 * is checked afterwards from the data (invariants.ts).
 */

export interface DriverTarget {
  apiUrl: string;
  keys: { storefront: string; warehouse: string };
  supplier: { id: string; secret: string };
  linkSecret: string;
}

export interface DriverStats {
  /** Operations by kind. */
  operations: Record<string, number>;
  /** Answers by kind and status class (`order 2xx`, `receipt 5xx`). */
  answers: Record<string, number>;
  /** Orders the API accepted (2xx): each must be readable afterwards. */
  acceptedOrders: string[];
}

interface KnownLine {
  orderId: string;
  lineId: string;
  sku: string;
}

interface Notice {
  asnId: string;
  revision: number;
  body: string;
  webhookId: string;
}

type Rand = () => number;
const pick = <T>(rand: Rand, xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)] as T;
const between = (rand: Rand, lo: number, hi: number) => lo + Math.floor(rand() * (hi - lo + 1));

/** The catalog a soak sells: stocked, backorderable, and substitutes between them. */
export function soakCatalog(tag: string) {
  const sku = (name: string) => `SOAK-${tag}-${name}`;
  return [
    {
      sku: sku("STOCK-A"),
      body: {
        name: "Stocked A",
        onHand: 40,
        backorder: { allowed: true, limit: 500, leadTimeDays: 10 },
      },
    },
    { sku: sku("STOCK-B"), body: { name: "Stocked B", onHand: 25, backorder: { allowed: false } } },
    {
      sku: sku("BO-C"),
      body: {
        name: "Backordered C",
        onHand: 0,
        backorder: { allowed: true, limit: 500, leadTimeDays: 14 },
        substitutes: [sku("STOCK-A")],
      },
    },
    {
      sku: sku("BO-D"),
      body: {
        name: "Backordered D",
        onHand: 3,
        backorder: { allowed: true, limit: 500, leadTimeDays: 30 },
        substitutes: [sku("STOCK-B")],
      },
    },
    {
      sku: sku("BO-E"),
      body: {
        name: "Backordered E",
        onHand: 0,
        backorder: { allowed: true, limit: 40, leadTimeDays: 5 },
      },
    },
  ];
}

export class SoakDriver {
  readonly stats: DriverStats = { operations: {}, answers: {}, acceptedOrders: [] };
  private readonly rand: Rand;
  private readonly catalog: ReturnType<typeof soakCatalog>;
  private readonly lines: KnownLine[] = [];
  private readonly declinedOrders: string[] = [];
  private readonly notices: Notice[] = [];
  private readonly shipped: string[] = [];
  private readonly unfinished: Record<string, unknown>[] = [];

  constructor(
    private readonly target: DriverTarget,
    seed: number,
    tag = `${seed}${randomUUID().slice(0, 4).toUpperCase()}`,
  ) {
    this.rand = prng(seed);
    this.catalog = soakCatalog(tag);
  }

  /** Puts the catalog (retried through faults). */
  async setUp(): Promise<void> {
    for (const { sku, body } of this.catalog) {
      await this.call(
        "catalog",
        "PUT",
        `/v1/skus/${sku}`,
        this.target.keys.storefront,
        body,
        {},
        10,
      );
    }
  }

  /** One operation, chosen by weight. */
  async step(): Promise<void> {
    const r = this.rand();
    if (r < 0.3) await this.order();
    else if (r < 0.38) await this.notice();
    else if (r < 0.48) await this.receipt();
    else if (r < 0.58) await this.ship();
    else if (r < 0.63) await this.deliver();
    else if (r < 0.68) await this.cancel();
    else if (r < 0.72) await this.customerAction();
    else if (r < 0.77) await this.replaceCard();
    else if (r < 0.8) await this.countStock();
    else if (r < 0.83) await this.rush();
    else if (r < 0.88) await this.advanceClock();
    else await this.readBack();
  }

  private count(kind: string): void {
    this.stats.operations[kind] = (this.stats.operations[kind] ?? 0) + 1;
  }

  /** A call, retried (same body, same keys) while the API answers 5xx or not at all, as a
   * client that means it does; returns the last answer. */
  private async call(
    kind: string,
    method: string,
    path: string,
    key: string | null,
    body?: unknown,
    headers: Record<string, string> = {},
    tries = 4,
  ): Promise<{ status: number; json: Record<string, unknown> }> {
    let last = { status: 0, json: {} as Record<string, unknown> };
    for (let attempt = 1; attempt <= tries; attempt++) {
      try {
        const res = await fetch(`${this.target.apiUrl}${path}`, {
          method,
          headers: {
            ...(key ? { authorization: `Bearer ${key}` } : {}),
            ...(body === undefined ? {} : { "content-type": "application/json" }),
            ...headers,
          },
          body:
            body === undefined ? undefined : typeof body === "string" ? body : JSON.stringify(body),
          signal: AbortSignal.timeout(40_000),
        });
        const text = await res.text();
        let json: Record<string, unknown> = {};
        try {
          json = text ? (JSON.parse(text) as Record<string, unknown>) : {};
        } catch {
          json = {};
        }
        last = { status: res.status, json };
      } catch {
        last = { status: 0, json: {} };
      }
      const klass = last.status === 0 ? "no answer" : `${Math.floor(last.status / 100)}xx`;
      this.stats.answers[`${kind} ${klass}`] = (this.stats.answers[`${kind} ${klass}`] ?? 0) + 1;
      if (last.status !== 0 && last.status < 500 && last.status !== 429) return last;
      await new Promise((resolve) => setTimeout(resolve, 200 * attempt));
    }
    return last;
  }

  private async order(): Promise<void> {
    this.count("order");
    const n = between(this.rand, 1, 3);
    const skus = Array.from({ length: n }, () => pick(this.rand, this.catalog).sku);
    const declines = this.rand() < 0.12;
    const body = {
      orderRef: `SOAK-${Math.floor(this.rand() * 1e9)}`,
      customer: {
        email: `soak-${Math.floor(this.rand() * 1e6)}@example.com`,
        name: "Soak Shopper",
      },
      shippingAddress: {
        line1: "1 Main St",
        city: "Springfield",
        postalCode: "12345",
        country: "US",
      },
      splitPolicy: pick(this.rand, ["ship_as_available", "ship_as_available", "ship_complete"]),
      payment: {
        provider: "sandbox",
        customerRef: "cus_soak",
        paymentMethodRef: declines ? "pm_card_chargeDeclined" : "pm_card_visa",
      },
      currency: pick(this.rand, ["USD", "EUR", "JPY", "GBP"]),
      lines: skus.map((sku, i) => ({
        lineRef: String(i + 1),
        sku,
        qty: between(this.rand, 1, 4),
        unitPrice: between(this.rand, 100, 9_000),
      })),
    };
    // The same key on every try: a retry of an order taken answers it, never a second one.
    const res = await this.call(
      "order",
      "POST",
      "/v1/orders",
      this.target.keys.storefront,
      body,
      {
        "idempotency-key": randomUUID(),
      },
      6,
    );
    if (res.status === 201 || res.status === 200) {
      const orderId = String(res.json.orderId);
      this.stats.acceptedOrders.push(orderId);
      for (const line of (res.json.lines as { lineId: string; sku: string }[]) ?? []) {
        this.lines.push({ orderId, lineId: line.lineId, sku: line.sku });
      }
      if (declines) this.declinedOrders.push(orderId);
    }
  }

  private async notice(): Promise<void> {
    this.count("notice");
    const signed = (n: Notice) => {
      const ts = Math.floor(Date.now() / 1000);
      return {
        "content-type": "application/json",
        "webhook-id": n.webhookId,
        "webhook-timestamp": String(ts),
        "webhook-signature": signWebhook(this.target.supplier.secret, n.webhookId, ts, n.body),
      };
    };
    const path = `/v1/suppliers/${this.target.supplier.id}/asns`;
    const r = this.rand();
    const earlier = this.notices.length > 0 ? pick(this.rand, this.notices) : null;
    if (earlier && r < 0.2) {
      // A redelivery: the same webhook-id and body.
      this.count("notice redelivered");
      await this.call("notice", "POST", path, null, earlier.body, signed(earlier));
      return;
    }
    const clockNow = await this.virtualNow();
    const eta = new Date(clockNow.getTime() + between(this.rand, 2, 40) * 86_400_000);
    const skus = [pick(this.rand, this.catalog).sku, pick(this.rand, this.catalog).sku];
    const asnId = earlier && r < 0.35 ? earlier.asnId : `ASN-${Math.floor(this.rand() * 1e9)}`;
    const revision = earlier && r < 0.35 ? earlier.revision + 1 : 1;
    if (revision > 1) this.count("notice revised");
    const body = JSON.stringify({
      asnId,
      revision,
      estimatedDeliveryAt: eta.toISOString(),
      lines: [...new Set(skus)].map((sku) => ({ sku, qty: between(this.rand, 2, 30) })),
    });
    const n: Notice = { asnId, revision, body, webhookId: `msg_${randomUUID()}` };
    const res = await this.call("notice", "POST", path, null, body, signed(n));
    if (res.status === 202) {
      if (earlier && revision > 1) earlier.revision = revision;
      else this.notices.push(n);
    }
  }

  private async receipt(): Promise<void> {
    this.count("receipt");
    const large = this.rand() < 0.1;
    const notice =
      this.notices.length > 0 && this.rand() < 0.4 ? pick(this.rand, this.notices) : null;
    const sku = pick(this.rand, this.catalog).sku;
    const qty = large ? between(this.rand, 30, 80) : between(this.rand, 1, 10);
    if (large) this.count("receipt large");
    await this.postReceipt({
      receiptId: `RCV-${randomUUID()}`,
      ...(notice ? { asnId: notice.asnId } : {}),
      lines: [{ sku, qty }],
    });
  }

  /** A receipt, retried as a warehouse's system does: one still failing is sent again
   * once the faults are over (`finish`). */
  private async postReceipt(body: Record<string, unknown>): Promise<void> {
    const res = await this.call(
      "receipt",
      "POST",
      "/v1/receipts",
      this.target.keys.warehouse,
      body,
      {},
      6,
    );
    if (res.status === 0 || res.status >= 500 || res.status === 429) this.unfinished.push(body);
  }

  /** What the shop's systems still owe the API once the faults are over: receipts answered
   * with a 5xx every time are sent again until taken (the same receiptId: it resumes). */
  async finish(): Promise<void> {
    for (const body of this.unfinished.splice(0)) {
      this.count("receipt resent");
      await this.call("receipt", "POST", "/v1/receipts", this.target.keys.warehouse, body, {}, 10);
    }
  }

  private async ship(): Promise<void> {
    this.count("ship");
    const list = await this.call(
      "ship",
      "GET",
      "/v1/shipments?status=requested&limit=5",
      this.target.keys.warehouse,
    );
    const shipments = (list.json.shipments as { shipmentId: string }[] | undefined) ?? [];
    for (const s of shipments.slice(0, between(this.rand, 1, 3))) {
      const res = await this.call(
        "ship",
        "POST",
        `/v1/shipments/${s.shipmentId}/shipped`,
        this.target.keys.warehouse,
        {
          carrier: "UPS",
          trackingNumber: `1Z${Math.floor(this.rand() * 1e9)}`,
        },
      );
      if (res.status === 200 || res.status === 202) this.shipped.push(s.shipmentId);
    }
  }

  private async deliver(): Promise<void> {
    this.count("deliver");
    const shipmentId = this.shipped.shift();
    if (!shipmentId) return;
    await this.call(
      "deliver",
      "POST",
      `/v1/shipments/${shipmentId}/delivered`,
      this.target.keys.warehouse,
      {},
    );
  }

  private async cancel(): Promise<void> {
    this.count("cancel");
    const line = this.lines.length > 0 ? pick(this.rand, this.lines) : null;
    if (!line) return;
    await this.call(
      "cancel",
      "POST",
      `/v1/orders/${line.orderId}/lines/${line.lineId}/cancel`,
      this.target.keys.storefront,
      {},
    );
  }

  private async token(orderId: string): Promise<string> {
    const now = await this.virtualNow();
    return encodeURIComponent(
      await signOrderToken(
        this.target.linkSecret,
        orderId,
        new Date(now.getTime() + 60 * 86_400_000),
      ),
    );
  }

  /** A customer, from an email's link: cancels, consents to wait, or takes a substitute. */
  private async customerAction(): Promise<void> {
    const line = this.lines.length > 0 ? pick(this.rand, this.lines) : null;
    if (!line) return;
    const token = await this.token(line.orderId);
    const base = `/v1/customer/orders/${line.orderId}/lines/${line.lineId}`;
    const r = this.rand();
    if (r < 0.3) {
      this.count("customer cancel");
      await this.call("customer", "POST", `${base}/cancel?token=${token}`, null, {});
    } else if (r < 0.65) {
      this.count("customer consent");
      await this.call("customer", "POST", `${base}/consent?token=${token}`, null, {});
    } else {
      this.count("customer substitute");
      const entry = this.catalog.find((c) => c.sku === line.sku);
      const sku = entry && "substitutes" in entry.body ? entry.body.substitutes?.[0] : undefined;
      if (!sku) return;
      await this.call("customer", "POST", `${base}/substitute?token=${token}`, null, { sku });
    }
  }

  private async replaceCard(): Promise<void> {
    this.count("replace card");
    const orderId = this.declinedOrders.length > 0 ? pick(this.rand, this.declinedOrders) : null;
    if (!orderId) return;
    const token = await this.token(orderId);
    await this.call(
      "customer",
      "POST",
      `/v1/customer/orders/${orderId}/payment-method?token=${token}`,
      null,
      {
        paymentMethodRef: this.rand() < 0.8 ? "pm_card_visa" : "pm_card_chargeDeclinedExpiredCard",
      },
    );
  }

  /**
   * Stock counted by hand, at rest: a few units off what is on hand, but never below what is
   * allocated (so that only allocations can make a SKU allocate more than it holds, which
   * the checker then looks for: `countsNeverBelowAllocated`).
   */
  private async countStock(): Promise<void> {
    this.count("stock count");
    const entry = pick(this.rand, this.catalog);
    await fetch(`${this.target.apiUrl}/_local/idle?timeoutMs=10000`).then((r) => r.text());
    const read = await this.call(
      "catalog",
      "GET",
      `/v1/skus/${entry.sku}`,
      this.target.keys.storefront,
    );
    if (read.status !== 200) return;
    const allocated = Number(read.json.allocated ?? 0);
    const onHand = Math.max(allocated, Number(read.json.onHand ?? 0) + between(this.rand, -2, 6));
    await this.call("catalog", "PUT", `/v1/skus/${entry.sku}`, this.target.keys.storefront, {
      ...entry.body,
      onHand,
    });
  }

  /**
   * A busy moment on one SKU: receipts at two docks and cancels of its lines at once. Each
   * gives units to the waiting lines (a receipt its own, a cancel what its line held), so
   * allocations race for the SKU's free units.
   */
  private async rush(): Promise<void> {
    this.count("rush");
    const entry = pick(
      this.rand,
      this.catalog.filter((c) => c.body.backorder.allowed),
    );
    const sku = entry.sku;
    if (this.rand() < 0.5) {
      // Two people count the same shelf at once, and say the same number: each count gives
      // what it frees to the waiting lines, and together they may not give more than it.
      this.count("rush counts");
      await fetch(`${this.target.apiUrl}/_local/idle?timeoutMs=10000`).then((r) => r.text());
      const read = await this.call(
        "catalog",
        "GET",
        `/v1/skus/${sku}`,
        this.target.keys.storefront,
      );
      if (read.status !== 200) return;
      const onHand =
        Math.max(Number(read.json.onHand ?? 0), Number(read.json.allocated ?? 0)) +
        between(this.rand, 3, 8);
      await Promise.all(
        [1, 2, 3].map(() =>
          this.call("catalog", "PUT", `/v1/skus/${sku}`, this.target.keys.storefront, {
            ...entry.body,
            onHand,
          }),
        ),
      );
      return;
    }
    const receipts = Array.from({ length: between(this.rand, 2, 3) }, () => ({
      receiptId: `RCV-${randomUUID()}`,
      lines: [{ sku, qty: between(this.rand, 1, 6) }],
    }));
    // Cancels of lines holding units (what they free goes to the next waiting lines at once).
    const recent = this.lines.filter((l) => l.sku === sku).slice(-30);
    const statuses = await Promise.all(
      [...new Set(recent.map((l) => l.orderId))].map((orderId) =>
        this.call("read", "GET", `/v1/orders/${orderId}`, this.target.keys.storefront),
      ),
    );
    const holding = statuses.flatMap((res) =>
      ((res.json.lines as { lineId: string; sku: string; status: string }[] | undefined) ?? [])
        .filter((l) => l.sku === sku && l.status === "allocated")
        .map((l) => ({ orderId: String(res.json.orderId), lineId: l.lineId, sku })),
    );
    const cancels = holding.slice(0, 3);
    await Promise.all([
      ...receipts.map((body) => this.postReceipt(body)),
      ...cancels.map((line) =>
        this.call(
          "cancel",
          "POST",
          `/v1/orders/${line.orderId}/lines/${line.lineId}/cancel`,
          this.target.keys.storefront,
          {},
        ),
      ),
    ]);
  }

  private async advanceClock(): Promise<void> {
    this.count("clock");
    const seconds = pick(this.rand, [3_600, 6 * 3_600, 86_400, 3 * 86_400, 8 * 86_400]);
    await this.call("clock", "POST", "/_local/clock/advance", null, { seconds });
  }

  private async readBack(): Promise<void> {
    this.count("read");
    const orderId =
      this.stats.acceptedOrders.length > 0 ? pick(this.rand, this.stats.acceptedOrders) : null;
    if (orderId)
      await this.call("read", "GET", `/v1/orders/${orderId}`, this.target.keys.storefront);
    else await this.call("read", "GET", "/v1/reports/backorders", this.target.keys.storefront);
  }

  private async virtualNow(): Promise<Date> {
    const res = await fetch(`${this.target.apiUrl}/_local/clock`);
    return new Date(String(((await res.json()) as { now: string }).now));
  }
}
