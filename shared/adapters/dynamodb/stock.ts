import type { StockTake } from "../../ports/orders.ts";
import type { UpdateParts } from "./table.ts";

/**
 * How each write moves a SKU's counters (docs/data-model.md, "counters"). Besides
 * `onHand`, `allocated` and `backorderedQty` a SKU stores figures its conditions need
 * (DynamoDB conditions have no arithmetic): `committed` = allocated + backorderedQty,
 * `atp` = onHand − committed (what a new order may take) and `free` = onHand − allocated
 * (what waiting lines may take). Every write that moves a counter moves them together.
 */
const FREE = { "#free": "free" };

/**
 * What an order takes from a SKU, conditioned on the plan still holding: stock taken needs
 * `atp >= a`; a backorder needs no free stock left over, backorders allowed, and the limit
 * planned on not passed.
 */
export function takeStock(delta: StockTake): UpdateParts {
  const condition = ["attribute_exists(pk)"];
  const values: Record<string, unknown> = {
    ":a": delta.allocate,
    ":b": delta.backorder,
    ":ab": delta.allocate + delta.backorder,
  };
  const names: Record<string, string> = { ...FREE };
  if (delta.backorder === 0) {
    condition.push("atp >= :a");
  } else {
    // Backordering is right only if no free stock is left once `a` is taken.
    condition.push("atp <= :a", "backorder.allowed = :true");
    if (delta.allocate > 0) condition.push("atp >= :a");
    values[":true"] = true;
    names["#limit"] = "limit";
    if (delta.limit === undefined) {
      condition.push("attribute_not_exists(backorder.#limit)");
    } else {
      condition.push("backorder.#limit = :limit", "backorderedQty <= :maxBefore");
      values[":limit"] = delta.limit;
      values[":maxBefore"] = delta.limit - delta.backorder;
    }
  }
  return {
    set: [
      "allocated = allocated + :a",
      "backorderedQty = backorderedQty + :b",
      "committed = committed + :ab",
      "atp = atp - :ab",
      "#free = #free - :a",
    ],
    condition,
    names,
    values,
  };
}

/** Waiting lines are given `n` free units: owed becomes reserved. With `allocatedWas`, only
 * if no other allocation moved the SKU's allocated units since they were read. */
export function fillFromFree(n: number, allocatedWas?: number): UpdateParts {
  return {
    set: [
      "allocated = allocated + :n",
      "backorderedQty = backorderedQty - :n",
      "#free = #free - :n",
    ],
    condition: ["#free >= :n", ...(allocatedWas === undefined ? [] : ["allocated = :was"])],
    names: FREE,
    values: { ":n": n, ...(allocatedWas === undefined ? {} : { ":was": allocatedWas }) },
  };
}

/** A cancelled line's units are released from the counter that held them. */
export function releaseUnits(heldIn: "backordered" | "allocated", qty: number): UpdateParts {
  if (heldIn === "backordered") {
    return {
      set: ["backorderedQty = backorderedQty - :q", "committed = committed - :q", "atp = atp + :q"],
      condition: ["attribute_exists(pk)"],
      values: { ":q": qty },
    };
  }
  return {
    set: [
      "allocated = allocated - :q",
      "committed = committed - :q",
      "atp = atp + :q",
      "#free = #free + :q",
    ],
    condition: ["attribute_exists(pk)"],
    names: FREE,
    values: { ":q": qty },
  };
}

/** Units received into stock. */
export function receiveUnits(qty: number): UpdateParts {
  return {
    set: ["onHand = onHand + :q", "atp = atp + :q", "#free = #free + :q"],
    condition: ["attribute_exists(#free)"],
    names: FREE,
    values: { ":q": qty },
  };
}

/** Units leave the warehouse: no longer on hand, no longer held for their lines. */
export function shipUnits(qty: number): UpdateParts {
  return {
    set: ["onHand = onHand - :q", "allocated = allocated - :q", "committed = committed - :q"],
    condition: ["attribute_exists(pk)"],
    values: { ":q": qty },
  };
}
