import { DescribeTableCommand } from "@aws-sdk/client-dynamodb";
import { dynamo } from "../../shared/adapters/aws-clients.ts";
import { config } from "../../shared/config.ts";
import { httpHandler } from "../../shared/http/handler.ts";

/** `GET /health`: 200 when the table is there and active, 503 otherwise. */
export const handler = httpHandler("get-health", {}, async () => {
  try {
    const out = await dynamo().send(new DescribeTableCommand({ TableName: config.tableName() }));
    if (out.Table?.TableStatus === "ACTIVE") return { status: 200, body: { status: "ok" } };
  } catch {
    // Reported as unavailable below.
  }
  return { status: 503, body: { status: "unavailable" } };
});
