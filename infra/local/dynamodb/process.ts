/**
 * DynamoDB Local as a child process of the local stack: start it on a port once the port is
 * free, wait until it answers, and stop it, also when Node dies without cleaning up.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { mkdir } from "node:fs/promises";
import { createServer } from "node:net";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import {
  DynamoDBClient,
  type DynamoDBClientConfig,
  ListTablesCommand,
} from "@aws-sdk/client-dynamodb";
import { LOCAL_CREDENTIALS, LOCAL_REGION } from "../identity.ts";
import { processListensOn } from "../ports.ts";
import { checkJava, ensureDynamoDbLocal } from "./jar.ts";

const START_TIMEOUT_MS = 30_000;
const STOP_GRACE_MS = 5_000;
const RING_LINES = 40;

export interface StartDynamoDbLocalOptions {
  port: number;
  /** Directory for the database file (created if missing). Ignored when inMemory. */
  dataDir?: string;
  /** Keep everything in memory (the default when no dataDir is given). */
  inMemory?: boolean;
  /** Where the emulator is cached (see ensureDynamoDbLocal). */
  cacheDir: string;
  /**
   * Host name used in the returned endpoint (default 127.0.0.1). DynamoDB Local itself
   * always listens on all interfaces; it has no option to bind one address.
   */
  host?: string;
  /** JVM options (default DYNAMODB_LOCAL_JVM_OPTIONS). */
  jvmOptions?: readonly string[];
}

/**
 * The emulator runs short test and development sessions: the client compiler only and the
 * serial collector halve the JVM's start-up time and CPU, which is most of a stack's start.
 */
export const DYNAMODB_LOCAL_JVM_OPTIONS = ["-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC"] as const;

export interface DynamoDbLocalHandle {
  endpoint: string;
  /** SIGTERM, up to 5 s grace, then SIGKILL; resolves once the process has exited. Idempotent. */
  stop(): Promise<void>;
}

/** Live emulator processes (and their watchdogs), killed synchronously if Node exits. */
const live = new Set<ChildProcess>();
let exitHookInstalled = false;

function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.on("exit", () => {
    for (const child of live) {
      try {
        child.kill("SIGKILL");
      } catch {
        // already gone
      }
    }
  });
}

/** A DynamoDBClient for DynamoDB Local, signing with the local credentials. */
export function localDynamoDbClient(
  endpoint: string,
  config: DynamoDBClientConfig = {},
): DynamoDBClient {
  return new DynamoDBClient({
    endpoint,
    region: LOCAL_REGION,
    credentials: LOCAL_CREDENTIALS,
    ...config,
  });
}

/** Resolves if nothing listens on the port (on any address); rejects otherwise. */
async function assertPortFree(port: number): Promise<void> {
  // Unspecified host = dual-stack "::", which collides with IPv4 and IPv6 listeners alike;
  // 0.0.0.0 is what DynamoDB Local binds, so probe it explicitly too.
  for (const host of [undefined, "0.0.0.0"]) {
    await new Promise<void>((resolve, reject) => {
      const server = createServer();
      server.once("error", (error: NodeJS.ErrnoException) => {
        if (error.code === "EADDRINUSE" || error.code === "EACCES") {
          reject(
            new Error(
              `Cannot start DynamoDB Local: port ${port} is already in use by another process ` +
                `(${error.code}). Stop it or choose another port.`,
            ),
          );
        } else if (host !== undefined && error.code === "EADDRNOTAVAIL") {
          resolve();
        } else reject(error);
      });
      server.listen({ port, host, exclusive: true }, () => server.close(() => resolve()));
    });
  }
}

class RingBuffer {
  private readonly lines: string[] = [];
  private readonly partial = new Map<string, string>();

  constructor(private readonly size: number) {}

  push(stream: string, chunk: string): void {
    const text = (this.partial.get(stream) ?? "") + chunk;
    const parts = text.split(/\r?\n/);
    this.partial.set(stream, parts.pop() ?? "");
    for (const line of parts) {
      if (line.trim() === "") continue;
      this.lines.push(line);
      if (this.lines.length > this.size) this.lines.shift();
    }
  }

  text(): string {
    const pending = [...this.partial.values()].filter((l) => l.trim() !== "");
    return [...this.lines, ...pending].slice(-this.size).join("\n");
  }
}

/**
 * A watchdog shell that kills the emulator when our end of its stdin closes, i.e. when this
 * Node process dies in a way that skips the "exit" hook (SIGKILL, crash, killed worker).
 */
function spawnWatchdog(pid: number): ChildProcess | undefined {
  const script =
    'read -r _ || true; kill -TERM "$1" 2>/dev/null || exit 0; i=0; ' +
    'while [ "$i" -lt 50 ] && kill -0 "$1" 2>/dev/null; do sleep 0.1; i=$((i+1)); done; ' +
    'kill -KILL "$1" 2>/dev/null; exit 0';
  try {
    const watchdog = spawn("sh", ["-c", script, "dynamodb-local-watchdog", String(pid)], {
      stdio: ["pipe", "ignore", "ignore"],
    });
    watchdog.on("error", () => {
      // no sh: the exit hook still covers orderly exits
    });
    watchdog.stdin?.on("error", () => {});
    watchdog.unref();
    (watchdog.stdin as unknown as { unref?: () => void } | null)?.unref?.();
    return watchdog;
  } catch {
    return undefined;
  }
}

/**
 * Starts DynamoDB Local (shared database) on `port` and resolves once it answers ListTables.
 * The process does not keep Node alive by itself, is killed when Node exits, and must be
 * stopped with `stop()`.
 */
export async function startDynamoDbLocal(
  opts: StartDynamoDbLocalOptions,
): Promise<DynamoDbLocalHandle> {
  const host = opts.host ?? "127.0.0.1";
  const inMemory = opts.inMemory ?? opts.dataDir === undefined;
  if (!inMemory && opts.dataDir === undefined) {
    throw new Error("startDynamoDbLocal: give a dataDir or set inMemory");
  }
  await checkJava();
  const emulatorDir = await ensureDynamoDbLocal(opts.cacheDir);
  if (!inMemory && opts.dataDir) await mkdir(opts.dataDir, { recursive: true });
  await assertPortFree(opts.port);

  const args = [
    ...(opts.jvmOptions ?? DYNAMODB_LOCAL_JVM_OPTIONS),
    `-Djava.library.path=${join(emulatorDir, "DynamoDBLocal_lib")}`,
    "-jar",
    join(emulatorDir, "DynamoDBLocal.jar"),
    "-sharedDb",
    // Telemetry would try to reach the internet from a local/offline stack.
    "-disableTelemetry",
    "-port",
    String(opts.port),
    ...(inMemory ? ["-inMemory"] : ["-dbPath", opts.dataDir as string]),
  ];

  installExitHook();
  const child = spawn("java", args, { cwd: emulatorDir, stdio: ["ignore", "pipe", "pipe"] });
  const output = new RingBuffer(RING_LINES);
  let bindFailed = false;
  for (const [name, stream] of [
    ["stdout", child.stdout],
    ["stderr", child.stderr],
  ] as const) {
    stream.setEncoding("utf8");
    stream.on("data", (chunk: string) => {
      output.push(name, chunk);
      if (/BindException|Failed to bind/.test(output.text())) bindFailed = true;
    });
  }

  let spawnError: Error | undefined;
  const exited = new Promise<void>((resolve) => {
    child.once("exit", () => resolve());
    child.once("error", (error) => {
      spawnError = error;
      resolve();
    });
  });
  const watchdog = child.pid === undefined ? undefined : spawnWatchdog(child.pid);
  // Watchdog first, so it is gone before it could act on a dead (and reusable) pid.
  if (watchdog) live.add(watchdog);
  live.add(child);
  let hasExited = false;
  void exited.then(() => {
    hasExited = true;
    live.delete(child);
    if (watchdog) {
      live.delete(watchdog);
      watchdog.kill("SIGKILL");
      watchdog.stdin?.destroy();
    }
  });

  let stopping: Promise<void> | undefined;
  const stop = (): Promise<void> => {
    stopping ??= (async () => {
      if (!hasExited) {
        child.ref(); // keep Node alive until the process is gone
        child.kill("SIGTERM");
        const grace = new AbortController();
        const graceful = await Promise.race([
          exited.then(() => true),
          sleep(STOP_GRACE_MS, false, { signal: grace.signal }).catch(() => false),
        ]);
        grace.abort();
        if (!graceful && !hasExited) child.kill("SIGKILL");
      }
      await exited;
    })();
    return stopping;
  };

  const endpoint = `http://${host.includes(":") ? `[${host}]` : host}:${opts.port}`;
  const client = localDynamoDbClient(endpoint, {
    maxAttempts: 1,
    requestHandler: { connectionTimeout: 1_000, requestTimeout: 2_000 },
  });
  const started = Date.now();
  try {
    for (;;) {
      const failure = (what: string) =>
        new Error(
          `DynamoDB Local ${what} (java ${args.join(" ")}).\nLast output:\n${output.text() || "(none)"}`,
          spawnError ? { cause: spawnError } : undefined,
        );
      if (spawnError) throw failure(`could not be started: ${spawnError.message}`);
      if (bindFailed) throw failure(`could not bind port ${opts.port} (already in use?)`);
      if (hasExited) {
        throw failure(`exited during startup with code ${child.exitCode ?? child.signalCode}`);
      }
      if (Date.now() - started > START_TIMEOUT_MS) {
        throw failure(`did not answer on ${endpoint} within ${START_TIMEOUT_MS / 1000} s`);
      }
      let answered = false;
      try {
        await client.send(new ListTablesCommand({ Limit: 1 }));
        answered = true;
      } catch {
        // not up yet
      }
      if (answered && !hasExited && !bindFailed) {
        // Something answered; make sure it is our process and not one that grabbed the port
        // after our check (our Java would then be stuck failing to bind).
        const owner =
          child.pid === undefined ? false : await processListensOn(child.pid, opts.port);
        if (owner !== false) break;
        throw failure(
          `could not bind port ${opts.port}: it is already in use by another process that answers there`,
        );
      }
      await sleep(150);
    }
  } catch (error) {
    await stop();
    throw error;
  } finally {
    client.destroy();
  }

  child.unref();
  for (const stream of [child.stdout, child.stderr]) {
    (stream as unknown as { unref?: () => void }).unref?.();
  }
  return { endpoint, stop };
}
