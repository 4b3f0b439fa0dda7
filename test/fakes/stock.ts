import type { Sku } from "../../shared/domain/model.ts";
import type { StockTake } from "../../shared/ports/orders.ts";
import { check } from "./db.ts";

/**
 * The SKU counter moves of shared/adapters/dynamodb/stock.ts, with the same conditions.
 * The adapter also stores figures derived for its conditions; here they are computed:
 * `atp` = onHand − allocated − backorderedQty (what a new order may take) and
 * `free` = onHand − allocated (what waiting lines may take).
 */
export const atp = (s: Sku) => s.onHand - s.allocated - s.backorderedQty;
export const free = (s: Sku) => s.onHand - s.allocated;

/** What an order takes from a SKU, conditioned on the plan still holding. */
export function takeStock(sku: Sku | undefined, delta: StockTake): void {
  check(sku, `SKU ${delta.sku} exists`);
  if (delta.backorder === 0) {
    check(atp(sku) >= delta.allocate, `${delta.sku} has ${delta.allocate} to promise`);
  } else {
    // Backordering is right only if no free stock is left once `allocate` is taken.
    check(atp(sku) <= delta.allocate, `${delta.sku} has no stock left over`);
    check(sku.backorder.allowed, `${delta.sku} allows backorders`);
    if (delta.allocate > 0) check(atp(sku) >= delta.allocate, `${delta.sku} has the stock`);
    if (delta.limit === undefined) {
      check(sku.backorder.limit === undefined, `${delta.sku} still has no limit`);
    } else {
      check(sku.backorder.limit === delta.limit, `${delta.sku}'s limit is as planned`);
      check(sku.backorderedQty <= delta.limit - delta.backorder, `${delta.sku} within its limit`);
    }
  }
  sku.allocated += delta.allocate;
  sku.backorderedQty += delta.backorder;
}

/** Waiting lines are given `n` free units: owed becomes reserved. */
export function fillFromFree(sku: Sku | undefined, n: number): void {
  check(sku && free(sku) >= n, `${n} units are free`);
  sku.allocated += n;
  sku.backorderedQty -= n;
}

/** A cancelled line's units are released from the counter that held them. */
export function releaseUnits(
  sku: Sku | undefined,
  heldIn: "backordered" | "allocated",
  qty: number,
): void {
  check(sku, "the SKU exists");
  if (heldIn === "backordered") sku.backorderedQty -= qty;
  else sku.allocated -= qty;
}

/** Units received into stock. */
export function receiveUnits(sku: Sku | undefined, qty: number): void {
  check(sku, "the SKU exists");
  sku.onHand += qty;
}

/** Units leave the warehouse: no longer on hand, no longer held for their lines. */
export function shipUnits(sku: Sku | undefined, qty: number): void {
  check(sku, "the SKU exists");
  sku.onHand -= qty;
  sku.allocated -= qty;
}
