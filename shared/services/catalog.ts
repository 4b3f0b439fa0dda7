import { refusals } from "../domain/errors.ts";
import type { Inbound } from "../domain/inbound.ts";
import type { Sku } from "../domain/model.ts";
import type { AppPorts } from "../ports/app.ts";
import type { SkuPolicyInput } from "../ports/catalog.ts";
import { type BulkDeps, workInlineThenHandOver } from "./bulk.ts";

export interface SkuState {
  sku: Sku;
  /** What suppliers have on its way, soonest first. */
  inbound: Inbound[];
}

/** A SKU with its stock figures and inbound notices. */
export async function describeSku(
  deps: Pick<AppPorts, "catalog" | "supply">,
  code: string,
): Promise<SkuState> {
  const [sku, inbound] = await Promise.all([deps.catalog.getSku(code), deps.supply.inbound(code)]);
  if (!sku) throw refusals.notFound(`SKU ${code}`);
  return { sku, inbound };
}

/**
 * Sets a SKU's counted stock and backorder policy. Stock that this leaves free goes to
 * the SKU's waiting lines, oldest first, as on a receipt: in the call for a few seconds,
 * then (a long queue) by a bulk job outside it.
 */
export async function putSku(
  deps: BulkDeps,
  input: SkuPolicyInput,
): Promise<SkuState & { created: boolean }> {
  const saved = await deps.catalog.putSkuPolicy(input, deps.clock.now());
  let sku = saved.sku;
  if (sku.onHand > sku.allocated && sku.backorderedQty > 0) {
    await workInlineThenHandOver(deps, [{ kind: "allocate", sku: input.sku }]);
    sku = (await deps.catalog.getSku(input.sku)) ?? sku;
  }
  return { sku, inbound: await deps.supply.inbound(input.sku), created: saved.created };
}
