import { Table } from "../../shared/adapters/dynamodb/table.ts";
import { httpHandler } from "../../shared/http/handler.ts";

/** `GET /health`: 200 when the table is there and active, 503 otherwise. */
export const handler = httpHandler("get-health", {}, async () =>
  (await new Table().isActive())
    ? { status: 200, body: { status: "ok" } }
    : { status: 503, body: { status: "unavailable" } },
);
