/**
 * The real DynamoDB Local emulator (the Java jar) for the local stack: fetch and cache it,
 * check Java, start/stop it on a port, and create the tables of a synthesized CloudFormation
 * template in it.
 *
 * The jar ships inside the npm package `amplify-dynamodb-simulator` (its `emulator/` folder),
 * which we fetch with `npm pack` (tarball only, none of its dependencies), verify against a
 * pinned integrity and extract into a cache directory.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { createHash } from "node:crypto";
import { createReadStream, existsSync, statSync } from "node:fs";
import { mkdir, mkdtemp, readdir, readFile, readlink, rename, rm } from "node:fs/promises";
import { createServer } from "node:net";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import {
  type AttributeDefinition,
  CreateTableCommand,
  type CreateTableCommandInput,
  DescribeTableCommand,
  DescribeTimeToLiveCommand,
  DynamoDBClient,
  type GlobalSecondaryIndex,
  type KeySchemaElement,
  ListTablesCommand,
  type LocalSecondaryIndex,
  type Projection,
  type ProvisionedThroughput,
  ResourceInUseException,
  ResourceNotFoundException,
  type StreamViewType,
  type TableDescription,
  UpdateTableCommand,
  UpdateTimeToLiveCommand,
} from "@aws-sdk/client-dynamodb";

/** npm package carrying the emulator, and the pinned version / tarball integrity. */
export const DYNAMODB_LOCAL_PACKAGE = "amplify-dynamodb-simulator";
export const DYNAMODB_LOCAL_PACKAGE_VERSION = "2.9.30";
/** DynamoDB Local version inside that package (informational). */
export const DYNAMODB_LOCAL_VERSION = "1.25.1";
export const DYNAMODB_LOCAL_PACKAGE_INTEGRITY =
  "sha512-xTeeRLvzEfqyd5lh3bH4c0kHvSHHmmhD5ZDsHFKAQ5g2Zl6JqlFdutaQhCLHzxEp6Ry1o7TB6niIoXuQAnSewQ==";

/** Fixed credentials / region the local stack uses to talk to DynamoDB Local. */
export const LOCAL_CREDENTIALS = { accessKeyId: "local", secretAccessKey: "local" } as const;
export const LOCAL_REGION = "us-east-1";

const JAVA_INSTALL_HINT =
  "DynamoDB Local needs Java 17 (at least 11). On Debian/Ubuntu install it with: " +
  "apt-get install -y openjdk-17-jre-headless";

const START_TIMEOUT_MS = 30_000;
const STOP_GRACE_MS = 5_000;
const RING_LINES = 40;

// ---------------------------------------------------------------------------------------
// Fetch and cache
// ---------------------------------------------------------------------------------------

const inFlight = new Map<string, Promise<string>>();

function isEmulatorDir(dir: string): boolean {
  try {
    return (
      statSync(join(dir, "DynamoDBLocal.jar")).isFile() &&
      statSync(join(dir, "DynamoDBLocal_lib")).isDirectory()
    );
  } catch {
    return false;
  }
}

/**
 * Returns the directory holding `DynamoDBLocal.jar` and `DynamoDBLocal_lib/`, fetching it
 * into `<cacheDir>/dynamodb-local-<package version>/` first if needed. The cache directory
 * only ever appears through an atomic rename, so an interrupted fetch leaves no half cache;
 * concurrent callers (in this or other processes) are safe.
 */
export function ensureDynamoDbLocal(cacheDir: string): Promise<string> {
  const target = join(cacheDir, `dynamodb-local-${DYNAMODB_LOCAL_PACKAGE_VERSION}`);
  if (isEmulatorDir(target)) return Promise.resolve(target);
  let pending = inFlight.get(target);
  if (!pending) {
    pending = fetchEmulator(cacheDir, target).finally(() => inFlight.delete(target));
    inFlight.set(target, pending);
  }
  return pending;
}

async function fetchEmulator(cacheDir: string, target: string): Promise<string> {
  if (isEmulatorDir(target)) return target;
  if (existsSync(target)) {
    throw new Error(
      `DynamoDB Local cache ${target} exists but has no DynamoDBLocal.jar/DynamoDBLocal_lib; delete it and retry`,
    );
  }
  await mkdir(cacheDir, { recursive: true });
  // Same filesystem as the target, so the final rename is atomic.
  const work = await mkdtemp(join(cacheDir, `.dynamodb-local-${DYNAMODB_LOCAL_PACKAGE_VERSION}-`));
  try {
    const packDir = join(work, "pack");
    const extractDir = join(work, "emulator");
    await mkdir(packDir);
    await mkdir(extractDir);

    const spec = `${DYNAMODB_LOCAL_PACKAGE}@${DYNAMODB_LOCAL_PACKAGE_VERSION}`;
    const packed = await run("npm", ["pack", spec, "--pack-destination", packDir, "--json"], {
      cwd: packDir,
      timeoutMs: 10 * 60_000,
    });
    const tarball = join(packDir, await packedFileName(packed.stdout, packDir));

    const integrity = await sha512Integrity(tarball);
    if (integrity !== DYNAMODB_LOCAL_PACKAGE_INTEGRITY) {
      throw new Error(
        `Integrity mismatch for ${spec}: expected ${DYNAMODB_LOCAL_PACKAGE_INTEGRITY}, got ${integrity}. ` +
          "Refusing to use the downloaded tarball.",
      );
    }

    await run(
      "tar",
      [
        "-xzf",
        tarball,
        "-C",
        extractDir,
        "--no-same-owner",
        "--strip-components=2",
        "package/emulator/",
      ],
      { cwd: work, timeoutMs: 5 * 60_000 },
    );
    if (!isEmulatorDir(extractDir)) {
      throw new Error(`${spec} did not contain emulator/DynamoDBLocal.jar and DynamoDBLocal_lib/`);
    }

    try {
      await rename(extractDir, target);
    } catch (error) {
      // Another process won the race: fine as long as what it left is complete.
      if (!isEmulatorDir(target)) throw error;
    }
    return target;
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

async function packedFileName(stdout: string, packDir: string): Promise<string> {
  const start = stdout.indexOf("[");
  if (start >= 0) {
    try {
      const parsed: unknown = JSON.parse(stdout.slice(start));
      if (Array.isArray(parsed)) {
        const first: unknown = parsed[0];
        if (first && typeof first === "object" && "filename" in first) {
          const name = (first as { filename: unknown }).filename;
          if (typeof name === "string" && name.length > 0) return name;
        }
      }
    } catch {
      // fall through to listing the directory
    }
  }
  const tgz = (await readdir(packDir)).filter((f) => f.endsWith(".tgz"));
  if (tgz.length === 1 && tgz[0]) return tgz[0];
  throw new Error(`npm pack did not report the tarball it wrote; output: ${stdout.slice(0, 500)}`);
}

async function sha512Integrity(file: string): Promise<string> {
  const hash = createHash("sha512");
  for await (const chunk of createReadStream(file)) hash.update(chunk as Buffer);
  return `sha512-${hash.digest("base64")}`;
}

interface RunResult {
  stdout: string;
  stderr: string;
}

/** Runs a command to completion; rejects with its output tail when it fails. */
function run(
  command: string,
  args: string[],
  options: { cwd: string; timeoutMs: number },
): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, {
      cwd: options.cwd,
      stdio: ["ignore", "pipe", "pipe"],
      timeout: options.timeoutMs,
    });
    let stdout = "";
    let stderr = "";
    child.stdout.setEncoding("utf8").on("data", (d: string) => {
      stdout += d;
    });
    child.stderr.setEncoding("utf8").on("data", (d: string) => {
      stderr += d;
    });
    child.on("error", (error) =>
      reject(new Error(`Could not run ${command}: ${error.message}`, { cause: error })),
    );
    child.on("close", (code, signal) => {
      if (code === 0) resolve({ stdout, stderr });
      else {
        reject(
          new Error(
            `${command} ${args.join(" ")} failed (${signal ?? `exit code ${code}`}):\n${tail(stderr || stdout)}`,
          ),
        );
      }
    });
  });
}

function tail(text: string, lines = 20): string {
  return text.trimEnd().split("\n").slice(-lines).join("\n");
}

// ---------------------------------------------------------------------------------------
// Java
// ---------------------------------------------------------------------------------------

/** Parses the major version out of `java -version` output ("1.8.0_x" → 8, "17.0.15" → 17). */
export function parseJavaMajorVersion(output: string): number | undefined {
  const match = /version "([^"]+)"/.exec(output);
  const version = match?.[1];
  if (!version) return undefined;
  const parts = version.split(/[.+_-]/);
  const major = parts[0] === "1" ? parts[1] : parts[0];
  const n = Number(major);
  return Number.isInteger(n) ? n : undefined;
}

/** Resolves if a Java ≥ 11 is on the PATH; otherwise throws with the install command. */
export async function checkJava(): Promise<void> {
  let output: string;
  try {
    const result = await run("java", ["-version"], { cwd: process.cwd(), timeoutMs: 30_000 });
    output = `${result.stderr}\n${result.stdout}`;
  } catch (error) {
    throw new Error(`Java was not found or failed to run. ${JAVA_INSTALL_HINT}`, { cause: error });
  }
  const major = parseJavaMajorVersion(output);
  if (major === undefined) {
    throw new Error(
      `Could not read the Java version from: ${tail(output, 3)}. ${JAVA_INSTALL_HINT}`,
    );
  }
  if (major < 11) throw new Error(`Found Java ${major}. ${JAVA_INSTALL_HINT}`);
}

// ---------------------------------------------------------------------------------------
// Start / stop
// ---------------------------------------------------------------------------------------

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

/** A DynamoDBClient for DynamoDB Local with the fixed local credentials. */
export function localDynamoDbClient(endpoint: string, maxAttempts?: number): DynamoDBClient {
  return new DynamoDBClient({
    endpoint,
    region: LOCAL_REGION,
    credentials: LOCAL_CREDENTIALS,
    ...(maxAttempts === undefined ? {} : { maxAttempts }),
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

/**
 * Whether process `pid` holds a listening TCP socket on `port` (Linux, via /proc).
 * Returns undefined where that cannot be determined (no /proc), so callers can fall back.
 */
async function listensOn(pid: number, port: number): Promise<boolean | undefined> {
  const inodes = new Set<string>();
  let readAny = false;
  for (const table of ["tcp", "tcp6"]) {
    let text: string;
    try {
      text = await readFile(`/proc/${pid}/net/${table}`, "utf8");
      readAny = true;
    } catch {
      continue;
    }
    for (const line of text.split("\n").slice(1)) {
      const f = line.trim().split(/\s+/);
      const local = f[1];
      const state = f[3];
      const inode = f[9];
      if (!local || !inode || state !== "0A") continue; // 0A = LISTEN
      if (Number.parseInt(local.slice(local.lastIndexOf(":") + 1), 16) === port) inodes.add(inode);
    }
  }
  if (!readAny) return undefined;
  let fds: string[];
  try {
    fds = await readdir(`/proc/${pid}/fd`);
  } catch {
    return undefined;
  }
  for (const fd of fds) {
    const target = await readlink(`/proc/${pid}/fd/${fd}`).catch(() => "");
    const inode = /^socket:\[(\d+)\]$/.exec(target)?.[1];
    if (inode && inodes.has(inode)) return true;
  }
  return false;
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
  const client = new DynamoDBClient({
    endpoint,
    region: LOCAL_REGION,
    credentials: LOCAL_CREDENTIALS,
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
        const owner = child.pid === undefined ? false : await listensOn(child.pid, opts.port);
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

// ---------------------------------------------------------------------------------------
// Tables from a CloudFormation template
// ---------------------------------------------------------------------------------------

/** The parts of a synthesized CloudFormation template this module reads. */
export interface CloudFormationTemplateLike {
  // biome-ignore lint/suspicious/noExplicitAny: CloudFormation properties are untyped JSON
  Resources?: Record<string, { Type: string; Properties?: any }>;
}

interface CfnProjection {
  ProjectionType?: string;
  NonKeyAttributes?: string[];
}

interface CfnIndex {
  IndexName: string;
  KeySchema: KeySchemaElement[];
  Projection?: CfnProjection;
  ProvisionedThroughput?: {
    ReadCapacityUnits: number | string;
    WriteCapacityUnits: number | string;
  };
}

interface CfnTableProperties {
  KeySchema: KeySchemaElement[];
  AttributeDefinitions?: AttributeDefinition[];
  GlobalSecondaryIndexes?: CfnIndex[];
  LocalSecondaryIndexes?: CfnIndex[];
  BillingMode?: string;
  ProvisionedThroughput?: {
    ReadCapacityUnits: number | string;
    WriteCapacityUnits: number | string;
  };
  TimeToLiveSpecification?: { AttributeName?: string; Enabled?: boolean | string };
  StreamSpecification?: { StreamViewType?: string };
}

const TABLE_TYPES = new Set(["AWS::DynamoDB::Table", "AWS::DynamoDB::GlobalTable"]);

function throughput(
  p: CfnTableProperties["ProvisionedThroughput"],
): ProvisionedThroughput | undefined {
  if (!p) return undefined;
  return {
    ReadCapacityUnits: Number(p.ReadCapacityUnits),
    WriteCapacityUnits: Number(p.WriteCapacityUnits),
  };
}

function projection(p: CfnProjection | undefined): Projection {
  const type = (p?.ProjectionType ?? "ALL") as Projection["ProjectionType"];
  return {
    ProjectionType: type,
    ...(type === "INCLUDE" && p?.NonKeyAttributes ? { NonKeyAttributes: p.NonKeyAttributes } : {}),
  };
}

function gsiFor(index: CfnIndex, tableThroughput: ProvisionedThroughput | undefined) {
  const own = throughput(index.ProvisionedThroughput) ?? tableThroughput;
  const gsi: GlobalSecondaryIndex = {
    IndexName: index.IndexName,
    KeySchema: index.KeySchema,
    Projection: projection(index.Projection),
    ...(tableThroughput && own ? { ProvisionedThroughput: own } : {}),
  };
  return gsi;
}

function attributesFor(
  keys: KeySchemaElement[],
  defs: AttributeDefinition[],
): AttributeDefinition[] {
  return keys.map((k) => {
    const def = defs.find((d) => d.AttributeName === k.AttributeName);
    if (!def) throw new Error(`No AttributeDefinition for key attribute ${k.AttributeName}`);
    return def;
  });
}

function ttlEnabled(spec: CfnTableProperties["TimeToLiveSpecification"]): string | undefined {
  if (!spec?.AttributeName) return undefined;
  return spec.Enabled === true || spec.Enabled === "true" ? spec.AttributeName : undefined;
}

async function describeTable(client: DynamoDBClient, name: string) {
  try {
    const out = await client.send(new DescribeTableCommand({ TableName: name }));
    return out.Table;
  } catch (error) {
    if (error instanceof ResourceNotFoundException) return undefined;
    throw error;
  }
}

async function waitForActive(client: DynamoDBClient, name: string): Promise<TableDescription> {
  const deadline = Date.now() + 120_000;
  for (;;) {
    const table = await describeTable(client, name);
    if (
      table?.TableStatus === "ACTIVE" &&
      (table.GlobalSecondaryIndexes ?? []).every((i) => i.IndexStatus === "ACTIVE")
    ) {
      return table;
    }
    if (Date.now() > deadline) {
      throw new Error(
        `Table ${name} did not become ACTIVE (status ${table?.TableStatus ?? "missing"})`,
      );
    }
    await sleep(100);
  }
}

/**
 * Creates every DynamoDB table of a synthesized CloudFormation template (AWS CDK output) in
 * DynamoDB Local, named `nameFor(logicalId)` (default: the logical id), unless it exists.
 * For existing tables it adds missing GSIs and enables TTL / streams when the template asks
 * for them; it never deletes anything. Returns logicalId → table name.
 */
export async function createTablesFromTemplate(
  client: DynamoDBClient,
  template: CloudFormationTemplateLike,
  nameFor: (logicalId: string) => string = (logicalId) => logicalId,
): Promise<Record<string, string>> {
  const names: Record<string, string> = {};
  for (const [logicalId, resource] of Object.entries(template.Resources ?? {})) {
    if (!TABLE_TYPES.has(resource.Type)) continue;
    const props = (resource.Properties ?? {}) as CfnTableProperties;
    if (!Array.isArray(props.KeySchema) || props.KeySchema.length === 0) {
      throw new Error(`${logicalId}: DynamoDB table without KeySchema`);
    }
    const tableName = nameFor(logicalId);
    names[logicalId] = tableName;
    await ensureTable(client, logicalId, tableName, props);
  }
  return names;
}

async function ensureTable(
  client: DynamoDBClient,
  logicalId: string,
  tableName: string,
  props: CfnTableProperties,
): Promise<void> {
  const defs = props.AttributeDefinitions ?? [];
  // GlobalTable has no ProvisionedThroughput (it uses write capacity auto scaling settings),
  // so it always ends up on-demand here, which DynamoDB Local does not distinguish anyway.
  const tableThroughput =
    props.BillingMode === "PAY_PER_REQUEST" ? undefined : throughput(props.ProvisionedThroughput);
  const gsis = (props.GlobalSecondaryIndexes ?? []).map((i) => gsiFor(i, tableThroughput));
  const streamViewType = props.StreamSpecification?.StreamViewType as StreamViewType | undefined;

  let existing = await describeTable(client, tableName);
  if (!existing) {
    const lsis: LocalSecondaryIndex[] = (props.LocalSecondaryIndexes ?? []).map((i) => ({
      IndexName: i.IndexName,
      KeySchema: i.KeySchema,
      Projection: projection(i.Projection),
    }));
    const input: CreateTableCommandInput = {
      TableName: tableName,
      KeySchema: props.KeySchema,
      AttributeDefinitions: defs,
      ...(tableThroughput
        ? { BillingMode: "PROVISIONED", ProvisionedThroughput: tableThroughput }
        : { BillingMode: "PAY_PER_REQUEST" }),
      ...(gsis.length > 0 ? { GlobalSecondaryIndexes: gsis } : {}),
      ...(lsis.length > 0 ? { LocalSecondaryIndexes: lsis } : {}),
      ...(streamViewType
        ? { StreamSpecification: { StreamEnabled: true, StreamViewType: streamViewType } }
        : {}),
    };
    try {
      await client.send(new CreateTableCommand(input));
    } catch (error) {
      // Someone else created it meanwhile: continue as for an existing table.
      if (!(error instanceof ResourceInUseException)) {
        throw new Error(`${logicalId}: could not create table ${tableName}`, { cause: error });
      }
    }
  }
  existing = await waitForActive(client, tableName);

  // Grow an existing table: add GSIs the template has and the table lacks, one at a time.
  const present = new Set((existing.GlobalSecondaryIndexes ?? []).map((i) => i.IndexName));
  for (const gsi of gsis) {
    if (present.has(gsi.IndexName)) continue;
    const keys = gsi.KeySchema ?? [];
    await client.send(
      new UpdateTableCommand({
        TableName: tableName,
        AttributeDefinitions: attributesFor(keys, defs),
        GlobalSecondaryIndexUpdates: [
          {
            Create: {
              IndexName: gsi.IndexName,
              KeySchema: keys,
              Projection: gsi.Projection,
              ...(gsi.ProvisionedThroughput
                ? { ProvisionedThroughput: gsi.ProvisionedThroughput }
                : {}),
            },
          },
        ],
      }),
    );
    existing = await waitForActive(client, tableName);
  }

  if (streamViewType && !existing.StreamSpecification?.StreamEnabled) {
    await client.send(
      new UpdateTableCommand({
        TableName: tableName,
        StreamSpecification: { StreamEnabled: true, StreamViewType: streamViewType },
      }),
    );
    await waitForActive(client, tableName);
  }

  const ttlAttribute = ttlEnabled(props.TimeToLiveSpecification);
  if (ttlAttribute) {
    const ttl = await client.send(new DescribeTimeToLiveCommand({ TableName: tableName }));
    const status = ttl.TimeToLiveDescription?.TimeToLiveStatus;
    if (status !== "ENABLED" && status !== "ENABLING") {
      await client.send(
        new UpdateTimeToLiveCommand({
          TableName: tableName,
          TimeToLiveSpecification: { AttributeName: ttlAttribute, Enabled: true },
        }),
      );
    }
  }
}
