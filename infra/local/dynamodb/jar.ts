/**
 * The DynamoDB Local emulator (a Java jar) on this machine: fetched once into a cache
 * directory, and the check that Java can run it.
 *
 * The jar ships inside the npm package `amplify-dynamodb-simulator` (its `emulator/` folder;
 * DynamoDB Local 1.25.1 in the pinned version), which we fetch with `npm pack` (tarball only,
 * none of its dependencies), verify against a pinned integrity and extract.
 */
import { spawn } from "node:child_process";
import { createHash } from "node:crypto";
import { createReadStream, existsSync, statSync } from "node:fs";
import { mkdir, mkdtemp, readdir, rename, rm } from "node:fs/promises";
import { join } from "node:path";

/** npm package carrying the emulator, and the pinned version / tarball integrity. */
const PACKAGE = "amplify-dynamodb-simulator";
const PACKAGE_VERSION = "2.9.30";
const PACKAGE_INTEGRITY =
  "sha512-xTeeRLvzEfqyd5lh3bH4c0kHvSHHmmhD5ZDsHFKAQ5g2Zl6JqlFdutaQhCLHzxEp6Ry1o7TB6niIoXuQAnSewQ==";

const JAVA_INSTALL_HINT =
  "DynamoDB Local needs Java 17 (at least 11). On Debian/Ubuntu install it with: " +
  "apt-get install -y openjdk-17-jre-headless";

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
  const target = join(cacheDir, `dynamodb-local-${PACKAGE_VERSION}`);
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
  const work = await mkdtemp(join(cacheDir, `.dynamodb-local-${PACKAGE_VERSION}-`));
  try {
    const packDir = join(work, "pack");
    const extractDir = join(work, "emulator");
    await mkdir(packDir);
    await mkdir(extractDir);

    const spec = `${PACKAGE}@${PACKAGE_VERSION}`;
    const packed = await run("npm", ["pack", spec, "--pack-destination", packDir, "--json"], {
      cwd: packDir,
      timeoutMs: 10 * 60_000,
    });
    const tarball = join(packDir, await packedFileName(packed.stdout, packDir));

    const integrity = await sha512Integrity(tarball);
    if (integrity !== PACKAGE_INTEGRITY) {
      throw new Error(
        `Integrity mismatch for ${spec}: expected ${PACKAGE_INTEGRITY}, got ${integrity}. ` +
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
