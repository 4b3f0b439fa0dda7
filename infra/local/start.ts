import { join } from "node:path";
import { repoRoot } from "../paths.ts";
import { faultsFromEnv } from "./faults.ts";
import { limitsFromEnv } from "./limits.ts";
import { startLocalStack } from "./stack.ts";

/** `npm start`: the whole system on this machine, in the foreground, until Ctrl-C. */
const env = process.env;
const port = (name: string, fallback: number) => {
  const value = Number(env[name] ?? fallback);
  if (!Number.isInteger(value) || value <= 0 || value > 65535) {
    throw new Error(`${name} must be a port number`);
  }
  return value;
};

const credentials = {
  storefrontApiKey: env.BACKORDER_STOREFRONT_API_KEY || "local-storefront-key",
  warehouseApiKey: env.BACKORDER_WAREHOUSE_API_KEY || "local-warehouse-key",
  linkSigningSecret: env.BACKORDER_LINK_SIGNING_SECRET || "local-customer-link-signing-secret",
  supplierSecrets:
    env.BACKORDER_SUPPLIER_SECRETS ||
    JSON.stringify({ acme: "whsec_bG9jYWwtYWNtZS1zdXBwbGllci1zZWNyZXQtMDAwMQ==" }),
};
const started = Date.now();
let faults: ReturnType<typeof faultsFromEnv>;
let limits: ReturnType<typeof limitsFromEnv>;
try {
  faults = faultsFromEnv(env.BACKORDER_LOCAL_FAULTS);
  limits = limitsFromEnv(env.BACKORDER_LOCAL_LIMITS);
} catch (error) {
  console.error(`npm start failed: ${(error as Error).message}`);
  process.exit(1);
}
const stack = await startLocalStack({
  apiPort: port("BACKORDER_API_PORT", 3000),
  dynamodbPort: port("BACKORDER_DYNAMODB_PORT", 8000),
  sesPort: port("BACKORDER_SES_PORT", 8005),
  sfnPort: port("BACKORDER_SFN_PORT", 8083),
  dataDir: env.BACKORDER_DATA_DIR || join(repoRoot, ".data"),
  fresh: process.argv.includes("--fresh"),
  dynamodbInMemory: env.BACKORDER_DYNAMODB_IN_MEMORY === "1",
  host: env.BACKORDER_HOST || "127.0.0.1",
  ...credentials,
  faults,
  limits,
  say: (message) => console.log(`… ${message}`),
}).catch((error: unknown) => {
  console.error(`npm start failed: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});

console.log(`
Backorder engine is running locally (ready in ${((Date.now() - started) / 1000).toFixed(1)} s)

  HTTP API            ${stack.urls.api}          (health: ${stack.urls.api}/health)
  DynamoDB Local      ${stack.urls.dynamodb}
  SES v2 + mail view  ${stack.urls.ses}          (viewer: ${stack.urls.mailViewer}, JSON: ${stack.urls.ses}/store)
  Step Functions API  ${stack.urls.sfn}
  Operator console    ${stack.urls.api}/console   (sign in with the storefront key below)
  API reference       ${stack.urls.api}/docs
  Virtual clock       ${stack.urls.api}/_local/clock   (POST /_local/clock/advance {"seconds": N})
  AWS limits          ${stack.urls.api}/_local/limits  (GET; set with BACKORDER_LOCAL_LIMITS)${
    env.BACKORDER_LOCAL_LIMITS?.trim()
      ? `\n  Limits changed      ${env.BACKORDER_LOCAL_LIMITS.trim()}`
      : ""
  }
  Fault injection     ${stack.urls.api}/_local/faults  (GET, PUT, DELETE)${
    Object.keys(stack.faults.describe()).length
      ? `\n  Faults in force     ${JSON.stringify(stack.faults.describe())}`
      : ""
  }

  storefront API key  ${credentials.storefrontApiKey}
  warehouse API key   ${credentials.warehouseApiKey}
  link signing secret ${credentials.linkSigningSecret}   (signs the customer links in emails)
  supplier webhooks   ${Object.entries(
    JSON.parse(credentials.supplierSecrets) as Record<string, string>,
  )
    .map(([id, secret]) => `${id}: ${secret}`)
    .join(", ")}   (POST /v1/suppliers/{id}/asns, Standard Webhooks)
  AWS credentials     access key "local", secret "local", region us-east-1

Ctrl-C stops everything.`);

let stopping = false;
const shutdown = (why: string) => {
  if (stopping) return;
  stopping = true;
  console.log(`\n${why}: stopping…`);
  stack.stop().finally(() => process.exit(0));
};
for (const signal of ["SIGINT", "SIGTERM", "SIGHUP"] as const)
  process.on(signal, () => shutdown(signal));
// If whatever started us goes away without a signal, stop too: nothing is left behind.
const parent = process.ppid;
setInterval(() => {
  if (process.ppid !== parent) shutdown("parent process gone");
}, 1000).unref();
