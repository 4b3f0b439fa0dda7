import type { BackorderPolicy, Sku } from "../domain/model.ts";
import type { Page, PageRequest } from "./paging.ts";

export interface SkuPolicyInput {
  sku: string;
  name: string;
  onHand: number;
  backorder: BackorderPolicy;
  substitutes: string[];
}

/** The catalog: SKUs with their policy and stock counters. */
export interface CatalogStore {
  getSku(sku: string): Promise<Sku | null>;
  /** Consistent reads of several SKUs; unknown ones are absent from the map. */
  getSkus(skus: readonly string[]): Promise<Map<string, Sku>>;
  /** Sets a SKU's policy and counted stock; the counters held for lines stay as they are. */
  putSkuPolicy(input: SkuPolicyInput, at: Date): Promise<{ sku: Sku; created: boolean }>;
  /** A page of the catalog's SKU codes, in code order (the reports page through it). */
  skuCodes(page: PageRequest): Promise<Page<string>>;
  /** The cursor of that list that goes on right after `sku` (a page cut short). */
  skuCodeCursor(sku: string): string;
}
