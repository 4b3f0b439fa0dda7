import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import { assertPortFree } from "./ports.ts";
import { createSesFront, type SesFrontOptions } from "./ses-front.ts";

export interface LocalSes {
  endpoint: string;
  close(): Promise<void>;
}

export interface LocalSesOptions {
  /** Asked before each SendEmail: an SES error to answer instead (ses-front.ts). */
  beforeSend?: SesFrontOptions["beforeSend"];
  /** SES's events: every send's, and the mailbox simulator's feedback (ses-front.ts). */
  onFeedback?: SesFrontOptions["onFeedback"];
  /** Every email taken (ses-front.ts). */
  onSent?: SesFrontOptions["onSent"];
  now?: SesFrontOptions["now"];
}

/**
 * Starts aws-ses-v2-local (SES v2 SendEmail, a mail viewer at `/` and `GET /store`) on an
 * internal port, and the SES front (ses-front.ts) on `port`, passing everything on to it.
 */
export async function startLocalSes(
  port: number,
  host = "127.0.0.1",
  options: LocalSesOptions = {},
): Promise<LocalSes> {
  await assertPortFree(port, host, "local SES", "BACKORDER_SES_PORT");
  // The package is CommonJS with a default export of its own; depending on the loader's
  // interop the server factory is `default` or `default.default`.
  type Factory = (config: { host: string; port: number }) => Promise<Server>;
  const mod = (await import("aws-ses-v2-local")) as unknown as {
    default: Factory | { default: Factory };
  };
  const factory = typeof mod.default === "function" ? mod.default : mod.default.default;
  const store = await factory({ host, port: 0 });
  if (!store.listening) await new Promise((resolve) => store.once("listening", resolve));
  const internalPort = (store.address() as AddressInfo).port;

  const front = createSesFront({ upstream: { host, port: internalPort }, ...options });
  try {
    await new Promise<void>((resolve, reject) => {
      front.once("error", reject);
      front.listen(port, host, () => {
        front.off("error", reject);
        resolve();
      });
    });
  } catch (error) {
    await closeServer(store);
    throw error;
  }
  return {
    endpoint: `http://${host}:${port}`,
    close: async () => {
      await closeServer(front);
      await closeServer(store);
    },
  };
}

function closeServer(server: Server): Promise<void> {
  return new Promise<void>((resolve) => {
    server.closeAllConnections();
    server.close(() => resolve());
  });
}
