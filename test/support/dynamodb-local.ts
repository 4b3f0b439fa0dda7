import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll } from "vitest";
import {
  type DynamoDbLocalHandle,
  localDynamoDbClient,
  startDynamoDbLocal,
} from "../../infra/local/dynamodb/process.ts";
import { createTablesFromTemplate } from "../../infra/local/dynamodb/tables.ts";
import { LOCAL_CREDENTIALS } from "../../infra/local/identity.ts";
import { freePort } from "../../infra/local/ports.ts";
import { localTemplate } from "../../infra/local/template.ts";
import { TestTable } from "./table.ts";

const cacheDir = join(fileURLToPath(new URL("../../", import.meta.url)), ".cache");

/**
 * For an integration test file: an in-memory DynamoDB Local for the file, with the table
 * the CDK app defines under `tableName`, and the SDK pointed at it. Call at the top of the
 * file; `store()` is the table once the file's tests run.
 */
export function useDynamoDbLocal(tableName: string): { store: () => TestTable } {
  let handle: DynamoDbLocalHandle | undefined;
  let store: TestTable | undefined;
  beforeAll(async () => {
    handle = await startDynamoDbLocal({ port: await freePort(), cacheDir, inMemory: true });
    const client = localDynamoDbClient(handle.endpoint);
    await createTablesFromTemplate(client, (await localTemplate()).template, () => tableName);
    client.destroy();
    Object.assign(process.env, {
      AWS_REGION: "us-east-1",
      AWS_ACCESS_KEY_ID: LOCAL_CREDENTIALS.accessKeyId,
      AWS_SECRET_ACCESS_KEY: LOCAL_CREDENTIALS.secretAccessKey,
      AWS_ENDPOINT_URL_DYNAMODB: handle.endpoint,
    });
    store = new TestTable(tableName);
  });
  afterAll(async () => {
    await handle?.stop();
  });
  return {
    store: () => {
      if (!store) throw new Error("DynamoDB Local is not up yet (use it inside a test)");
      return store;
    },
  };
}
