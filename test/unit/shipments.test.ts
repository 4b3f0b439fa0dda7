import { describe, expect, it } from "vitest";
import type { LineStatus } from "../../shared/domain/line-states.ts";
import { planShipment, type ShipLine, shipmentLead } from "../../shared/domain/shipments.ts";

const l = (lineId: string, status: LineStatus, shipmentId: string | null = null): ShipLine => ({
  lineId,
  status,
  shipmentId,
});

describe("planShipment", () => {
  it("ship_as_available ships what is ready now, together", () => {
    const lines = [l("a", "allocated"), l("b", "allocated"), l("c", "backordered")];
    expect(planShipment("ship_as_available", undefined, lines, "a")).toEqual({
      kind: "ship",
      lineIds: ["a", "b"],
    });
  });

  it("a line already in a shipment is charged", () => {
    const lines = [l("a", "allocated", "s1"), l("b", "backordered")];
    expect(planShipment("ship_complete", undefined, lines, "a")).toEqual({
      kind: "assigned",
      shipmentId: "s1",
    });
  });

  it("ship_complete waits until no line is backordered, then ships all at once", () => {
    const waiting = [l("a", "allocated"), l("b", "backordered")];
    expect(planShipment("ship_complete", undefined, waiting, "a")).toEqual({ kind: "wait" });
    const ready = [l("a", "allocated"), l("b", "allocated"), l("c", "cancelled")];
    expect(planShipment("ship_complete", undefined, ready, "b")).toEqual({
      kind: "ship",
      lineIds: ["a", "b"],
    });
  });

  it("max_shipments ships what is ready while more than one shipment is left", () => {
    const first = [l("a", "allocated"), l("b", "backordered"), l("c", "backordered")];
    expect(planShipment("max_shipments", 2, first, "a")).toEqual({ kind: "ship", lineIds: ["a"] });
    // One shipment used: the next is the last, so it waits for every remaining line.
    const second = [l("a", "charged", "s1"), l("b", "allocated"), l("c", "backordered")];
    expect(planShipment("max_shipments", 2, second, "b")).toEqual({ kind: "wait" });
    const last = [l("a", "shipped", "s1"), l("b", "allocated"), l("c", "allocated")];
    expect(planShipment("max_shipments", 2, last, "c")).toEqual({
      kind: "ship",
      lineIds: ["b", "c"],
    });
  });

  it("max_shipments of 1 is ship_complete", () => {
    const lines = [l("a", "allocated"), l("b", "backordered")];
    expect(planShipment("max_shipments", 1, lines, "a")).toEqual({ kind: "wait" });
  });

  it("a line that is not allocated waits", () => {
    expect(planShipment("ship_as_available", undefined, [l("a", "backordered")], "a")).toEqual({
      kind: "wait",
    });
  });
});

describe("shipmentLead", () => {
  it("is the first live line by id", () => {
    expect(shipmentLead([l("b", "shipped"), l("a", "cancelled"), l("c", "shipped")])).toBe("b");
  });
});
