import type { Sku } from "../../shared/domain/model.ts";
import type { CatalogStore, SkuPolicyInput } from "../../shared/ports/catalog.ts";
import { InvalidCursorError, type Page, type PageRequest } from "../../shared/ports/paging.ts";
import { clone, type FakeDb } from "./db.ts";

/** SKUs with their policy and counters (shared/adapters/dynamodb/catalog.ts). */
export class FakeCatalog implements CatalogStore {
  constructor(private readonly db: FakeDb) {}

  async getSku(sku: string): Promise<Sku | null> {
    const found = this.db.tables.skus.get(sku);
    return found ? clone(found) : null;
  }

  async getSkus(skus: readonly string[]): Promise<Map<string, Sku>> {
    const found = new Map<string, Sku>();
    for (const sku of new Set(skus)) {
      const item = this.db.tables.skus.get(sku);
      if (item) found.set(sku, clone(item));
    }
    return found;
  }

  async putSkuPolicy(input: SkuPolicyInput, at: Date): Promise<{ sku: Sku; created: boolean }> {
    let out: { sku: Sku; created: boolean } | undefined;
    await this.db.put("catalog.putSkuPolicy", (t) => {
      const before = t.skus.get(input.sku);
      // The counters held for lines stay as concurrent orders leave them.
      const { name, onHand, backorder, substitutes } = input;
      const sku: Sku = {
        sku: input.sku,
        name,
        onHand,
        backorder: clone(backorder),
        substitutes: [...substitutes],
        allocated: before?.allocated ?? 0,
        backorderedQty: before?.backorderedQty ?? 0,
        updatedAt: at.toISOString(),
      };
      t.skus.set(input.sku, sku);
      out = { sku: clone(sku), created: before === undefined };
    });
    if (!out) throw new Error("unreachable: the put did not run");
    return out;
  }

  async skuCodes(request: PageRequest): Promise<Page<string>> {
    const codes = [...this.db.tables.skus.keys()].sort();
    const start = request.cursor ? codes.indexOf(request.cursor) + 1 : 0;
    if (request.cursor && start === 0) throw new InvalidCursorError("not a cursor of this list");
    const items = codes.slice(start, start + request.limit);
    const more = start + request.limit < codes.length;
    return { items, next: more ? (items[items.length - 1] ?? null) : null };
  }

  skuCodeCursor(sku: string): string {
    return sku;
  }
}
