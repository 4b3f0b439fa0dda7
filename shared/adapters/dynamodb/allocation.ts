import { splitRemainder } from "../../domain/allocation.ts";
import type { Line } from "../../domain/model.ts";
import {
  type AllocateOutcome,
  type AllocationStore,
  type InboundUse,
  type LineFill,
  type ReceiptAllocation,
  type ReceiptRecord,
  receiptAllocationSchema,
  receiptRecordSchema,
  type WaitingPage,
} from "../../ports/allocation.ts";
import { fillFromFree, receiveUnits } from "./stock.ts";
import {
  decodeCursor,
  encodeCursor,
  forEachLimited,
  type Item,
  keys,
  lineItem,
  lineTransition,
  mergeParts,
  parseItem,
  putsIfAbsent,
  readLine,
  Table,
  type TransactItem,
  wakeMark,
} from "./table.ts";

const ALLOCATIONS_PREFIX = "ALLOC#";

/** The partition of a SKU's waiting queue on gsi4. */
const waitingPartition = (sku: string) => keys.waiting({ sku, createdAt: "", lineId: "" }).gsi4pk;

/** The waiting queue (index gsi4, WAITING#<sku>, oldest first), allocation, receipts. */
export class DynamoDbAllocation implements AllocationStore {
  constructor(private readonly table = new Table()) {}

  async waitingLines(sku: string, limit = 100, after?: string): Promise<WaitingPage> {
    if (!after) await this.requeueLegacy(sku);
    let cursor: string | null | undefined = after;
    for (;;) {
      // The queue's order and units from the narrow index; the lines themselves read whole
      // and consistently from the table (what the index had may be a moment behind).
      const page = await this.table.queryPage(
        {
          IndexName: "gsi4",
          KeyConditionExpression: "gsi4pk = :pk",
          ExpressionAttributeValues: { ":pk": waitingPartition(sku) },
          ScanIndexForward: true,
          Limit: limit,
        },
        cursor,
      );
      const stored = await this.table.getMany(
        page.items.map((i) => keys.line(String(i.orderId), String(i.lineId))),
      );
      const byId = new Map(stored.map((item) => [String(item.lineId), item]));
      const items = page.items.flatMap((entry) => {
        const item = byId.get(String(entry.lineId));
        // Filled or cancelled since the index was written: no longer waiting.
        return item?.status === "backordered" ? [item] : [];
      });
      // A page of lines that all moved on says nothing of the rest: read on.
      if (items.length === 0 && page.next) {
        cursor = page.next;
        continue;
      }
      const tokens = new Map(
        items.flatMap((item) =>
          typeof item.waitToken === "string"
            ? [[String(item.lineId), item.waitToken] as const]
            : [],
        ),
      );
      return { lines: items.map(readLine), next: page.next, tokens };
    }
  }

  async waitingAges(sku: string, after?: string) {
    if (!after) await this.requeueLegacy(sku);
    // No Limit: DynamoDB's 1 MB a page; only what the reports read comes back, unparsed.
    const page = await this.table.queryPage(
      {
        IndexName: "gsi4",
        KeyConditionExpression: "gsi4pk = :pk",
        ExpressionAttributeValues: { ":pk": waitingPartition(sku) },
        ProjectionExpression: "qty, createdAt",
        ScanIndexForward: true,
      },
      after,
    );
    return {
      lines: page.items.map((i) => ({ qty: Number(i.qty), createdAt: String(i.createdAt) })),
      next: page.next,
    };
  }

  /**
   * Moves lines queued before the queue had its own index (on gsi1) onto it: each still
   * waiting gets its gsi4 keys and leaves gsi1, in one conditional write. Once a SKU has
   * none left this is one empty Query where its queue is read from the start.
   */
  private async requeueLegacy(sku: string): Promise<void> {
    let cursor: string | null = null;
    do {
      const page: { items: Item[]; next: string | null } = await this.table.queryPage(
        {
          IndexName: "gsi1",
          KeyConditionExpression: "gsi1pk = :pk",
          ExpressionAttributeValues: { ":pk": keys.legacyWaiting(sku).gsi1pk },
          ProjectionExpression: "pk, sk, sku, createdAt, lineId",
        },
        cursor,
      );
      await forEachLimited(page.items, async (item) => {
        const queued = keys.waiting({
          sku: String(item.sku),
          createdAt: String(item.createdAt),
          lineId: String(item.lineId),
        });
        await this.table.updateIf(
          { pk: String(item.pk), sk: String(item.sk) },
          {
            set: ["gsi4pk = :queuePk", "gsi4sk = :queueSk"],
            remove: ["gsi1pk", "gsi1sk"],
            condition: ["#status = :waiting", "gsi1pk = :legacyPk"],
            names: { "#status": "status" },
            values: {
              ":queuePk": queued.gsi4pk,
              ":queueSk": queued.gsi4sk,
              ":waiting": "backordered",
              ":legacyPk": keys.legacyWaiting(sku).gsi1pk,
            },
          },
        );
      });
      cursor = page.next;
    } while (cursor);
  }

  waitingCursor(line: Line): string {
    return encodeCursor({ ...keys.line(line.orderId, line.lineId), ...keys.waiting(line) }) ?? "";
  }

  async allocateLines(
    sku: string,
    fills: readonly LineFill[],
    at: Date,
    newLineId: () => string,
    receiptId?: string,
    allocatedWas?: number,
  ): Promise<AllocateOutcome> {
    const total = fills.reduce((n, f) => n + f.qty, 0);
    if (total === 0) return { outcome: "allocated", remainders: [] };
    const remainders: Line[] = [];
    const items: TransactItem[] = [
      { Update: this.table.update(keys.sku(sku), fillFromFree(total, allocatedWas)) },
    ];
    for (const { line, qty, remainder } of fills) {
      const filled = mergeParts(lineTransition("allocated", at), wakeMark(at));
      items.push({
        Update: this.table.update(keys.line(line.orderId, line.lineId), {
          ...filled,
          // What was asked or owed about waiting for stock (a consent, a delay notice not
          // yet sent) no longer applies to the part that got it (the rest keeps them).
          set: [...(filled.set ?? []), "qty = :qty", "consentBy = :none", "owedNotice = :none"],
          condition: [...(filled.condition ?? []), "qty = :was"],
          values: { ...filled.values, ":qty": qty, ":was": line.qty, ":none": null },
        }),
      });
      if (remainder > 0) {
        const rest = splitRemainder(line, newLineId(), remainder);
        remainders.push(rest);
        items.push(...putsIfAbsent(this.table.name, [lineItem(rest)]));
      }
    }
    if (receiptId) {
      // The receipt claims the units it gives: never more than it brought, whoever else
      // (a concurrent copy of it) is filling lines at the same time.
      items.push({
        Update: this.table.update(keys.receipt(receiptId), {
          set: ["unitsLeft.#claimSku = unitsLeft.#claimSku - :claimed"],
          condition: ["unitsLeft.#claimSku >= :claimed"],
          names: { "#claimSku": sku },
          values: { ":claimed": total },
        }),
      });
      // One item per batch beside the receipt (a 10,000-line receipt would not fit in one
      // 400 KB item); the first fill's line id orders them and makes a replay collide.
      const batch: Item = {
        pk: keys.receipt(receiptId).pk,
        sk: `${ALLOCATIONS_PREFIX}${at.toISOString()}#${fills[0]?.line.lineId}`,
        type: "receipt-allocations",
        fills: fills.map((f) => ({
          lineId: f.line.lineId,
          orderId: f.line.orderId,
          sku,
          qty: f.qty,
        })),
      };
      items.push(...putsIfAbsent(this.table.name, [batch]));
    }
    const done = await this.table.transactIf(items);
    return done ? { outcome: "allocated", remainders } : { outcome: "changed" };
  }

  async getReceipt(receiptId: string): Promise<ReceiptRecord | null> {
    const items = await this.table.queryAll(keys.receipt(receiptId).pk, "");
    const head = items.find((i) => i.sk === keys.receipt(receiptId).sk);
    if (!head) return null;
    const allocations = items
      .filter((i) => String(i.sk).startsWith(ALLOCATIONS_PREFIX))
      .sort((a, b) => String(a.sk).localeCompare(String(b.sk)))
      .flatMap((i) => receiptAllocationSchema.array().parse(i.fills));
    return parseItem(receiptRecordSchema, { ...head, allocations });
  }

  async getReceiptHead(receiptId: string): Promise<ReceiptRecord | null> {
    const head = await this.table.get(keys.receipt(receiptId));
    return head ? parseItem(receiptRecordSchema, { ...head, allocations: [] }) : null;
  }

  async receiptUnitsLeft(receiptId: string, sku: string): Promise<number> {
    const head = await this.getReceiptHead(receiptId);
    return head?.unitsLeft?.[sku] ?? 0;
  }

  recordReceipt(receipt: ReceiptRecord): Promise<boolean> {
    return this.table.transactIf(
      putsIfAbsent(this.table.name, [
        { ...keys.receipt(receipt.receiptId), type: "receipt", ...receipt, allocations: [] },
        {
          ...keys.receiptUnfinished(receipt.receiptId),
          ...keys.unfinishedReceiptListed(receipt.createdAt, receipt.receiptId),
          type: "receipt-unfinished",
          receiptId: receipt.receiptId,
        },
      ]),
    );
  }

  addReceiptStock(
    receiptId: string,
    sku: string,
    qty: number,
    inbound?: InboundUse,
  ): Promise<boolean> {
    return this.table.transactIf([
      {
        Update: this.table.update(keys.receipt(receiptId), {
          remove: ["pendingStock.#stockSku"],
          condition: ["attribute_exists(pendingStock.#stockSku)"],
          names: { "#stockSku": sku },
        }),
      },
      { Update: this.table.update(keys.sku(sku), receiveUnits(qty)) },
      // What arrived is no longer on its way.
      ...(inbound
        ? [
            {
              Update: this.table.update(keys.inbound(sku, inbound.supplierId, inbound.asnId), {
                set: ["qty = qty - :q"],
                condition: ["attribute_exists(pk)"],
                values: { ":q": inbound.qty },
              }),
            },
          ]
        : []),
    ]);
  }

  async receiptAllocations(
    receiptId: string,
    cursor: string | null,
    limit: number,
  ): Promise<{ allocations: ReceiptAllocation[]; next: string | null }> {
    // A cursor is where the last page stopped: a batch item and how many of its fills
    // were given already.
    const at = cursor ? decodeCursor(cursor) : undefined;
    const from = typeof at?.sk === "string" ? at.sk : ALLOCATIONS_PREFIX;
    let skip = typeof at?.offset === "number" ? at.offset : 0;
    const allocations: ReceiptAllocation[] = [];
    let next: string | null = null;
    let page: string | null = null;
    outer: do {
      const batches = await this.table.queryPage(
        {
          KeyConditionExpression: "pk = :pk AND sk BETWEEN :from AND :to",
          ExpressionAttributeValues: {
            ":pk": keys.receipt(receiptId).pk,
            ":from": from,
            ":to": `${ALLOCATIONS_PREFIX}\uffff`,
          },
          ConsistentRead: true,
          Limit: 50,
        },
        page,
      );
      for (const item of batches.items) {
        const fills = receiptAllocationSchema.array().parse(item.fills);
        const room = limit - allocations.length;
        // The page is full and another batch follows: the next page starts there.
        if (room === 0) {
          next = encodeCursor({ sk: item.sk, offset: 0 });
          break outer;
        }
        const rest = fills.slice(skip);
        if (rest.length > room) {
          allocations.push(...rest.slice(0, room));
          next = encodeCursor({ sk: item.sk, offset: skip + room });
          break outer;
        }
        allocations.push(...rest);
        skip = 0;
      }
      page = batches.next;
    } while (page);
    return { allocations, next };
  }

  async markReceiptDone(receiptId: string): Promise<void> {
    await this.table.transactIf([
      {
        Update: this.table.update(keys.receipt(receiptId), {
          set: ["done = :true"],
          condition: ["attribute_exists(pk)"],
          values: { ":true": true },
        }),
      },
      { Delete: { TableName: this.table.name, Key: keys.receiptUnfinished(receiptId) } },
    ]);
  }

  async unfinishedReceipts(before: Date, limit = 100): Promise<string[]> {
    const page = await this.table.queryPage({
      IndexName: "gsi1",
      KeyConditionExpression: "gsi1pk = :pk AND gsi1sk < :before",
      ExpressionAttributeValues: { ":pk": "RECEIPTS#UNFINISHED", ":before": before.toISOString() },
      Limit: limit,
    });
    return page.items.map((item) => String(item.receiptId));
  }
}
