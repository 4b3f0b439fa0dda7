import { toIsoDate } from "../../shared/domain/dates.ts";
import type { BackorderPolicy, Line, Order, SplitPolicy } from "../../shared/domain/model.ts";
import type { NotificationKind } from "../../shared/domain/notifications.ts";
import { planOrder, type RequestedLine } from "../../shared/domain/order-intake.ts";
import type { WaitKind } from "../../shared/domain/waits.ts";
import { newLine, snapshotOf } from "../../shared/services/place-order.ts";
import type { Fakes } from "./index.ts";

export interface SkuSeed {
  onHand?: number;
  backorder?: Partial<BackorderPolicy>;
  substitutes?: string[];
}

export interface OrderSeed {
  paymentMethodRef?: string;
  splitPolicy?: SplitPolicy;
  email?: string;
}

/**
 * Puts the world a test starts from in place, through the fakes' own ports: a SKU's
 * policy, an order planned by intake's rules against the SKUs as they are (so each line is
 * allocated or backordered as intake would, and the counters move as they would), a parked
 * line. Ids are readable: `ord_1`, `ln_001`, …; line ids sort in creation order.
 */
export class Seeder {
  private orders = 0;
  private lines = 0;
  private tokens = 0;

  constructor(private readonly f: Omit<Fakes, "given">) {}

  /**
   * A receipt of `qty` units of `sku`, recorded and its units put in stock (as a receipt's
   * first steps do), not yet given to waiting lines.
   */
  async receipt(sku: string, qty: number, receiptId = `rc_${qty}_${sku}`): Promise<string> {
    const units = { [sku]: qty };
    const recorded = await this.f.allocation.recordReceipt({
      receiptId,
      lines: [{ sku, qty }],
      requestHash: "h",
      allocations: [],
      unitsLeft: units,
      pendingStock: units,
      done: false,
      createdAt: this.f.clock.now().toISOString(),
    });
    if (!recorded) throw new Error(`receipt ${receiptId} exists already`);
    await this.f.allocation.addReceiptStock(receiptId, sku, qty);
    return receiptId;
  }

  async sku(sku: string, { onHand = 0, backorder = {}, substitutes = [] }: SkuSeed = {}) {
    const policy = { allowed: true, ...backorder };
    const input = { sku, name: `Item ${sku}`, onHand, backorder: policy, substitutes };
    return (await this.f.catalog.putSkuPolicy(input, this.f.clock.now())).sku;
  }

  /** An order of `lines` ({ sku, qty }), placed now; `line` is its first line. */
  async order(
    lines: (Pick<RequestedLine, "sku" | "qty"> & { unitPrice?: number })[],
    { paymentMethodRef = "pm_card_visa", splitPolicy = "ship_as_available", email }: OrderSeed = {},
  ): Promise<{ order: Order; lines: Line[]; line: Line }> {
    const now = this.f.clock.now();
    const n = ++this.orders;
    const orderId = `ord_${n}`;
    const requested = lines.map((l, i) => ({ lineRef: `${i + 1}`, unitPrice: 1000, ...l }));
    const skus = await this.f.catalog.getSkus(requested.map((l) => l.sku));
    const snapshots = new Map(
      await Promise.all(
        [...skus.values()].map(
          async (s) => [s.sku, snapshotOf(s, await this.f.supply.inbound(s.sku))] as const,
        ),
      ),
    );
    const plan = planOrder(requested, snapshots, toIsoDate(now));
    if (!plan.ok) throw new Error(`the seeded order cannot be placed: ${JSON.stringify(plan)}`);
    const order: Order = {
      orderId,
      orderRef: `SHOP-${n}`,
      status: "open",
      customer: { email: email ?? `customer${n}@example.com`, name: `Customer ${n}` },
      shippingAddress: {
        line1: "1 Main St",
        city: "Springfield",
        postalCode: "1000",
        country: "US",
      },
      splitPolicy,
      payment: { provider: "sandbox", customerRef: `cus_${n}`, paymentMethodRef },
      currency: "USD",
      createdAt: now.toISOString(),
    };
    const made = plan.lines.map((p) =>
      newLine(orderId, "USD", p, now, `ln_${String(++this.lines).padStart(3, "0")}`),
    );
    const outcome = await this.f.orders.createOrder({
      order,
      lines: made,
      stock: plan.deltas.map((d) => ({ ...d, limit: skus.get(d.sku)?.backorder.limit })),
      idempotency: {
        scope: "orders",
        key: orderId,
        requestHash: orderId,
        orderId,
        created: { order, lines: made },
        createdAt: now.toISOString(),
        expiresAt: Math.floor(now.getTime() / 1000) + 7 * 86_400,
        followUpDone: true,
      },
    });
    const [line] = made;
    if (outcome !== "created" || !line) throw new Error(`the seeded order was not created`);
    return { order, lines: made, line };
  }

  /** Parks a line's execution (its task token recorded); false when it may not park. */
  park(line: Pick<Line, "orderId" | "lineId">, wait: WaitKind): Promise<boolean> {
    return this.f.waits.parkLine(line.orderId, line.lineId, `tok_${++this.tokens}`, wait);
  }

  /** The current state of a line (it must exist). */
  async line(line: Pick<Line, "orderId" | "lineId">): Promise<Line> {
    const found = await this.f.orders.getLine(line.orderId, line.lineId);
    if (!found) throw new Error(`no line ${line.lineId}`);
    return found;
  }

  /** The kinds of the emails an order was sent, in the order they were sent. */
  async emails(orderId: string): Promise<NotificationKind[]> {
    return (await this.f.notifications.listNotifications(orderId)).map((n) => n.kind);
  }
}
