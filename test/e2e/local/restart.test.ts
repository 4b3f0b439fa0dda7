import { randomUUID } from "node:crypto";
import { rmSync } from "node:fs";
import { afterAll, describe, expect, it } from "vitest";
import { isListening } from "../../../infra/local/ports.ts";
import { type RunningStack, startStackProcess } from "../stack-process.ts";
import { keys } from "../support.ts";

/** A stack of this file's own, started and stopped with `npm start` and SIGTERM. */

async function call(stack: RunningStack, path: string, init: RequestInit = {}) {
  const res = await fetch(`${stack.manifest.urls.api}${path}`, {
    ...init,
    headers: { authorization: `Bearer ${keys.storefront}`, ...init.headers },
  });
  return { status: res.status, json: (await res.json()) as Record<string, unknown> };
}

const started: RunningStack[] = [];
afterAll(async () => {
  for (const stack of started) await stack.stop();
  if (started[0]) rmSync(started[0].dataDir, { recursive: true, force: true });
});

describe("npm start", () => {
  // Three stack starts, beside other files' stacks: more time than the suite's 60 s per test.
  it("comes up healthy within 60 s, keeps DynamoDB data and the clock across a restart, and leaves no process behind", async () => {
    // startStackProcess fails unless /health answers 200 within the given time.
    const first = await startStackProcess({ fresh: true, readyTimeoutMs: 60_000 });
    started.push(first);

    const sku = `RESTART-${randomUUID().slice(0, 8)}`;
    const body = JSON.stringify({ name: "Kept", onHand: 7, backorder: { allowed: false } });
    expect((await call(first, `/v1/skus/${sku}`, { method: "PUT", body })).status).toBe(201);
    const advanced = await call(first, "/_local/clock/advance", {
      method: "POST",
      body: JSON.stringify({ seconds: 30 * 86_400 }),
    });
    const clockBefore = Date.parse(String(advanced.json.now));

    expect(await first.stop()).toBe(0);
    for (const port of Object.values(first.ports)) expect(await isListening(port)).toBe(false);

    const second = await startStackProcess({ ports: first.ports, dataDir: first.dataDir });
    started.push(second);
    const kept = await call(second, `/v1/skus/${sku}`);
    expect(kept.status).toBe(200);
    expect(kept.json).toMatchObject({ sku, name: "Kept", onHand: 7 });
    const clockAfter = Date.parse(String((await call(second, "/_local/clock")).json.now));
    expect(clockAfter).toBeGreaterThanOrEqual(clockBefore);

    expect(await second.stop()).toBe(0);
    const fresh = await startStackProcess({
      ports: first.ports,
      dataDir: first.dataDir,
      fresh: true,
    });
    started.push(fresh);
    expect((await call(fresh, `/v1/skus/${sku}`)).status).toBe(404);
  }, 180_000);
});
