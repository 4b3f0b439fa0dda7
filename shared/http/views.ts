import { available, type Sku } from "../domain/model.ts";

/** The SKU as the API shows it (contract §4). */
export function skuView(sku: Sku) {
  return {
    sku: sku.sku,
    name: sku.name,
    onHand: sku.onHand,
    allocated: sku.allocated,
    available: available(sku),
    backorderedQty: sku.backorderedQty,
    backorder: sku.backorder,
    substitutes: sku.substitutes,
    inbound: [],
    nextEta: null,
  };
}
