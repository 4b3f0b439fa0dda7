import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, openSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { freePort, isListening } from "../../infra/local/ports.ts";
import type { LocalStackManifest } from "../../infra/local/stack.ts";
import { repoRoot } from "../../infra/paths.ts";

export interface StackPorts {
  api: number;
  dynamodb: number;
  ses: number;
  sfn: number;
}

export interface RunningStack {
  process: ChildProcess;
  ports: StackPorts;
  dataDir: string;
  manifest: LocalStackManifest;
  logFile: string;
  /** Milliseconds from spawn to the first 200 on /health. */
  readyAfterMs: number;
  stop(): Promise<number | null>;
  /**
   * SIGKILL of the stack's own process, as a crash or a pulled plug: nothing is saved or
   * stopped in order. Resolves once its ports are free again (DynamoDB Local's watchdog
   * ends the emulator).
   */
  kill(): Promise<void>;
}

export async function allocatePorts(): Promise<StackPorts> {
  const ports: number[] = [];
  while (ports.length < 4) {
    const port = await freePort();
    if (!ports.includes(port)) ports.push(port);
  }
  const [api, dynamodb, ses, sfn] = ports as [number, number, number, number];
  return { api, dynamodb, ses, sfn };
}

export interface StartOptions {
  ports?: StackPorts;
  dataDir?: string;
  fresh?: boolean;
  readyTimeoutMs?: number;
  /** More environment for `npm start` (e.g. BACKORDER_LOCAL_FAULTS). */
  env?: Record<string, string>;
}

/**
 * Runs `npm start` the way a newcomer does, on ports and a data directory of the test's
 * own, and waits for /health to answer 200. Stacks start side by side (e2e files run in
 * parallel), so a free port may be taken by another stack before ours binds it: with ports
 * of its own choosing it then tries again on others.
 */
export async function startStackProcess(options: StartOptions = {}): Promise<RunningStack> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await startOnce(options);
    } catch (error) {
      const portTaken = /already in use|EADDRINUSE|could not bind/i.test(String(error));
      if (options.ports || !portTaken || attempt >= 3) throw error;
    }
  }
}

async function startOnce(options: StartOptions): Promise<RunningStack> {
  const ports = options.ports ?? (await allocatePorts());
  const dataDir = options.dataDir ?? mkdtempSync(join(tmpdir(), "backorder-e2e-"));
  const logFile = join(dataDir, `stack-${Date.now()}.log`);
  const log = openSync(logFile, "a");
  const started = Date.now();
  const child = spawn("npm", ["start", ...(options.fresh ? ["--", "--fresh"] : [])], {
    cwd: repoRoot,
    env: {
      ...process.env,
      BACKORDER_API_PORT: String(ports.api),
      BACKORDER_DYNAMODB_PORT: String(ports.dynamodb),
      BACKORDER_SES_PORT: String(ports.ses),
      BACKORDER_SFN_PORT: String(ports.sfn),
      BACKORDER_DATA_DIR: dataDir,
      POWERTOOLS_LOG_LEVEL: process.env.POWERTOOLS_LOG_LEVEL ?? "WARN",
      ...options.env,
    },
    stdio: ["ignore", log, log],
  });
  const exited = new Promise<number | null>((resolve) =>
    child.once("exit", (code) => resolve(code)),
  );
  const deadline = started + (options.readyTimeoutMs ?? 90_000);
  let ready = false;
  while (Date.now() < deadline && child.exitCode === null) {
    try {
      const res = await fetch(`http://127.0.0.1:${ports.api}/health`);
      if (res.status === 200) {
        ready = true;
        break;
      }
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  if (!ready) {
    child.kill("SIGKILL");
    const log = readFileSync(logFile, "utf8").slice(-4000);
    if (!options.dataDir) rmSync(dataDir, { recursive: true, force: true });
    throw new Error(`local stack did not become healthy:\n${log}`);
  }
  const readyAfterMs = Date.now() - started;
  const manifest = JSON.parse(
    readFileSync(join(dataDir, "stack.json"), "utf8"),
  ) as LocalStackManifest;
  return {
    process: child,
    ports,
    dataDir,
    manifest,
    logFile,
    readyAfterMs,
    async kill() {
      if (child.exitCode === null && child.signalCode === null) {
        process.kill(manifest.pid, "SIGKILL");
        await exited;
      }
      const deadline = Date.now() + 30_000;
      for (const port of Object.values(ports)) {
        while (await isListening(port)) {
          if (Date.now() > deadline) throw new Error(`port ${port} still in use after the kill`);
          await new Promise((r) => setTimeout(r, 100));
        }
      }
    },
    async stop() {
      if (child.exitCode !== null) return child.exitCode;
      child.kill("SIGTERM");
      const timer = setTimeout(() => child.kill("SIGKILL"), 20_000);
      const code = await exited;
      clearTimeout(timer);
      return code;
    },
  };
}
