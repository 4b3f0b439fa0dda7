import { describe, expect, it } from "vitest";
import { runDemo } from "../../../infra/tools/demo.ts";
import { ownStack } from "../own-stack.ts";
import { apiUrl, localStack } from "../support.ts";

// `npm run demo` moves the virtual clock, so it runs on a stack of its own.
await ownStack();

describe("npm run demo", () => {
  it("walks its story to the end on a fresh stack: told of the delay at once, filled, paid, shipped, delivered", async () => {
    const lines: string[] = [];
    const result = await runDemo({
      api: apiUrl(),
      ses: localStack().urls.ses,
      log: (line) => lines.push(line),
    });
    expect(result.orders.map((o) => o.status)).toEqual(["completed", "completed"]);
    for (const order of result.orders) {
      expect(order.lines.every((l) => l.status === "delivered")).toBe(true);
    }
    for (const customer of new Set(result.emails.map((e) => e.to))) {
      const subjects = result.emails.filter((e) => e.to === customer).map((e) => e.subject);
      const at = (words: string) => subjects.findIndex((s) => s.includes(words));
      // The delay is told before the lamp is paid for, once; then paid, shipped, delivered.
      expect(at("on backorder")).toBe(0);
      expect(subjects.filter((s) => s.includes("is delayed"))).toHaveLength(1);
      expect(at("is delayed")).toBeLessThan(
        subjects.lastIndexOf(subjects.find((s) => s.includes("Payment received")) ?? ""),
      );
      expect(at("was delivered")).toBeGreaterThan(at("has shipped"));
    }
    expect(result.orderPage).toMatch(/\/v1\/customer\/orders\/.+\?token=/);
    expect(lines.join("\n")).toContain("Where to look:");
    // The console it points at opens on Ada's order.
    const consoleLine = lines.find((l) => l.includes("operator console")) ?? "";
    const consoleUrl = consoleLine.trim().split(/\s+/).at(-1) ?? "";
    expect(consoleUrl).toMatch(/\/console#\/search\/DEMO-/);
    expect((await fetch(consoleUrl)).status).toBe(200);
  });
});
