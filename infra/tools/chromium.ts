/**
 * Headless Chromium for the browser tests: Debian's `chromium`, driven by playwright-core
 * (whose own browser download cannot be used here). Installed from Debian's packages when
 * missing and this runs as root, as .ci/run does for Java; otherwise it says what to run.
 */
import { execFileSync } from "node:child_process";
import { existsSync } from "node:fs";

const CANDIDATES = ["/usr/bin/chromium", "/usr/bin/chromium-browser"];

function found(): string | undefined {
  const fromEnv = process.env.CHROMIUM_PATH;
  if (fromEnv && existsSync(fromEnv)) return fromEnv;
  return CANDIDATES.find((path) => existsSync(path));
}

/** The Chromium executable, installing Debian's package first when there is none. */
export function chromiumPath(): string {
  const path = found();
  if (path) return path;
  const root = process.getuid?.() === 0;
  if (!root || !existsSync("/usr/bin/apt-get")) {
    throw new Error(
      "headless Chromium is missing: install Debian's `chromium` (apt-get install chromium) or set CHROMIUM_PATH",
    );
  }
  console.log("Chromium not found: installing Debian's chromium");
  const env = { ...process.env, DEBIAN_FRONTEND: "noninteractive" };
  execFileSync("apt-get", ["update", "-qq"], { stdio: "inherit", env });
  execFileSync("apt-get", ["install", "-y", "-qq", "chromium"], { stdio: "inherit", env });
  const installed = found();
  if (!installed) throw new Error("apt-get installed chromium, but no executable was found");
  return installed;
}
