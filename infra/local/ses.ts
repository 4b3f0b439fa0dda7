import type { Server } from "node:http";
import { assertPortFree } from "./ports.ts";

export interface LocalSes {
  endpoint: string;
  close(): Promise<void>;
}

/** Starts aws-ses-v2-local: SES v2 SendEmail, a mail viewer at `/` and `GET /store`. */
export async function startLocalSes(port: number, host = "127.0.0.1"): Promise<LocalSes> {
  await assertPortFree(port, host, "local SES", "BACKORDER_SES_PORT");
  // The package is CommonJS with a default export of its own; depending on the loader's
  // interop the server factory is `default` or `default.default`.
  type Factory = (config: { host: string; port: number }) => Promise<Server>;
  const mod = (await import("aws-ses-v2-local")) as unknown as {
    default: Factory | { default: Factory };
  };
  const factory = typeof mod.default === "function" ? mod.default : mod.default.default;
  const server = await factory({ host, port });
  if (!server.listening) await new Promise((resolve) => server.once("listening", resolve));
  return {
    endpoint: `http://${host}:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
