import { mkdtemp, rm } from "node:fs/promises";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import {
  DescribeTableCommand,
  DescribeTimeToLiveCommand,
  type DynamoDBClient,
  ListTablesCommand,
  TransactionCanceledException,
} from "@aws-sdk/client-dynamodb";
import {
  DynamoDBDocumentClient,
  GetCommand,
  QueryCommand,
  TransactWriteCommand,
} from "@aws-sdk/lib-dynamodb";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  checkJava,
  ensureDynamoDbLocal,
  parseJavaMajorVersion,
} from "../../infra/local/dynamodb/jar.ts";
import {
  type DynamoDbLocalHandle,
  localDynamoDbClient,
  startDynamoDbLocal,
} from "../../infra/local/dynamodb/process.ts";
import { createTablesFromTemplate } from "../../infra/local/dynamodb/tables.ts";
import { freePort, isListening } from "../../infra/local/ports.ts";

const repoRoot = fileURLToPath(new URL("../../", import.meta.url));
const cacheDir = join(repoRoot, ".cache");

// What AWS CDK synthesizes for a pk/sk table with one GSI and TTL (plus properties
// DynamoDB Local ignores).
const template = {
  Resources: {
    OrdersTable1A2B3C4D: {
      Type: "AWS::DynamoDB::Table",
      Properties: {
        KeySchema: [
          { AttributeName: "pk", KeyType: "HASH" },
          { AttributeName: "sk", KeyType: "RANGE" },
        ],
        AttributeDefinitions: [
          { AttributeName: "pk", AttributeType: "S" },
          { AttributeName: "sk", AttributeType: "S" },
          { AttributeName: "gsi1pk", AttributeType: "S" },
          { AttributeName: "gsi1sk", AttributeType: "S" },
        ],
        BillingMode: "PAY_PER_REQUEST",
        GlobalSecondaryIndexes: [
          {
            IndexName: "gsi1",
            KeySchema: [
              { AttributeName: "gsi1pk", KeyType: "HASH" },
              { AttributeName: "gsi1sk", KeyType: "RANGE" },
            ],
            Projection: { ProjectionType: "ALL" },
          },
        ],
        TimeToLiveSpecification: { AttributeName: "expiresAt", Enabled: true },
        PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
        SSESpecification: { SSEEnabled: true },
      },
      UpdateReplacePolicy: "Retain",
      DeletionPolicy: "Retain",
    },
    SomeRole: { Type: "AWS::IAM::Role", Properties: {} },
  },
};

const nameFor = (logicalId: string) => `test-${logicalId}`;

describe("checkJava", () => {
  it("resolves on this machine (Java 17 is installed)", async () => {
    await expect(checkJava()).resolves.toBeUndefined();
  });

  it("reads old and new version strings", () => {
    expect(parseJavaMajorVersion('openjdk version "17.0.15" 2025-04-15')).toBe(17);
    expect(parseJavaMajorVersion('java version "1.8.0_292"')).toBe(8);
    expect(parseJavaMajorVersion("nothing here")).toBeUndefined();
  });
});

describe("DynamoDB Local", () => {
  let dataDir: string;
  let port: number;
  let handle: DynamoDbLocalHandle | undefined;
  const clients: DynamoDBClient[] = [];

  const connect = (endpoint: string) => {
    const client = localDynamoDbClient(endpoint);
    clients.push(client);
    return { client, doc: DynamoDBDocumentClient.from(client) };
  };

  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), "dynamodb-local-test-"));
    port = await freePort();
    // Fetch (or reuse) the cached emulator up front so the start below measures only startup.
    await ensureDynamoDbLocal(cacheDir);
  });

  afterAll(async () => {
    for (const client of clients) client.destroy();
    await handle?.stop();
    await rm(dataDir, { recursive: true, force: true });
  });

  it("caches the emulator and returns the same directory again", async () => {
    const dir = await ensureDynamoDbLocal(cacheDir);
    expect(dir).toBe(join(cacheDir, "dynamodb-local-2.9.30"));
    const [a, b] = await Promise.all([
      ensureDynamoDbLocal(cacheDir),
      ensureDynamoDbLocal(cacheDir),
    ]);
    expect(a).toBe(dir);
    expect(b).toBe(dir);
  });

  it("runs transactions and GSI queries, and keeps data across a restart", async () => {
    handle = await startDynamoDbLocal({ port, dataDir, cacheDir });
    expect(handle.endpoint).toBe(`http://127.0.0.1:${port}`);
    const first = connect(handle.endpoint);

    const names = await createTablesFromTemplate(first.client, template, nameFor);
    expect(names).toEqual({ OrdersTable1A2B3C4D: "test-OrdersTable1A2B3C4D" });
    const TableName = "test-OrdersTable1A2B3C4D";

    const described = await first.client.send(new DescribeTableCommand({ TableName }));
    expect(described.Table?.TableStatus).toBe("ACTIVE");
    expect(described.Table?.BillingModeSummary?.BillingMode).toBe("PAY_PER_REQUEST");
    expect(described.Table?.GlobalSecondaryIndexes?.map((i) => i.IndexName)).toEqual(["gsi1"]);
    const ttl = await first.client.send(new DescribeTimeToLiveCommand({ TableName }));
    expect(ttl.TimeToLiveDescription?.AttributeName).toBe("expiresAt");
    expect(ttl.TimeToLiveDescription?.TimeToLiveStatus).toBe("ENABLED");
    const createdAt = described.Table?.CreationDateTime?.getTime();

    const order = {
      pk: "ORDER#1",
      sk: "META",
      gsi1pk: "CUSTOMER#7",
      gsi1sk: "2024-01-01T00:00:00Z",
      status: "BACKORDERED",
    };
    const put = {
      Put: { TableName, Item: order, ConditionExpression: "attribute_not_exists(pk)" },
    };
    const stock = {
      Put: {
        TableName,
        Item: { pk: "SKU#A", sk: "STOCK", available: 0 },
        ConditionExpression: "attribute_not_exists(pk)",
      },
    };

    // Succeeds: both items are new.
    await first.doc.send(new TransactWriteCommand({ TransactItems: [put, stock] }));

    // Must fail as a whole: the order exists already, so the new item is not written either.
    const conflicting = first.doc.send(
      new TransactWriteCommand({
        TransactItems: [
          put,
          {
            Put: {
              TableName,
              Item: { pk: "ORDER#2", sk: "META" },
              ConditionExpression: "attribute_not_exists(pk)",
            },
          },
        ],
      }),
    );
    await expect(conflicting).rejects.toBeInstanceOf(TransactionCanceledException);
    const error = await conflicting.catch((e: unknown) => e);
    expect((error as TransactionCanceledException).CancellationReasons?.map((r) => r.Code)).toEqual(
      ["ConditionalCheckFailed", "None"],
    );
    const order2 = await first.doc.send(
      new GetCommand({ TableName, Key: { pk: "ORDER#2", sk: "META" } }),
    );
    expect(order2.Item).toBeUndefined();

    const byCustomer = await first.doc.send(
      new QueryCommand({
        TableName,
        IndexName: "gsi1",
        KeyConditionExpression: "gsi1pk = :c",
        ExpressionAttributeValues: { ":c": "CUSTOMER#7" },
      }),
    );
    expect(byCustomer.Items).toEqual([order]);

    await handle.stop();
    await handle.stop(); // idempotent
    expect(await isListening(port)).toBe(false);

    // Restart on the same data directory: the data is still there.
    handle = await startDynamoDbLocal({ port, dataDir, cacheDir });
    const second = connect(handle.endpoint);
    const again = await createTablesFromTemplate(second.client, template, nameFor);
    expect(again).toEqual(names);
    const redescribed = await second.client.send(new DescribeTableCommand({ TableName }));
    expect(redescribed.Table?.CreationDateTime?.getTime()).toBe(createdAt);
    expect(redescribed.Table?.ItemCount).toBe(2);
    const tables = await second.client.send(new ListTablesCommand({}));
    expect(tables.TableNames).toEqual([TableName]);

    const kept = await second.doc.send(
      new GetCommand({ TableName, Key: { pk: "ORDER#1", sk: "META" } }),
    );
    expect(kept.Item).toEqual(order);

    await handle.stop();
    handle = undefined;
    expect(await isListening(port)).toBe(false);
  });

  it("adds a GSI that the template grew to an existing table without losing data", async () => {
    handle = await startDynamoDbLocal({ port, dataDir, cacheDir });
    const { client, doc } = connect(handle.endpoint);
    const grown = structuredClone(template);
    const props = grown.Resources?.OrdersTable1A2B3C4D?.Properties;
    props.AttributeDefinitions.push({ AttributeName: "status", AttributeType: "S" });
    props.GlobalSecondaryIndexes.push({
      IndexName: "byStatus",
      KeySchema: [{ AttributeName: "status", KeyType: "HASH" }],
      Projection: { ProjectionType: "KEYS_ONLY" },
    });

    await createTablesFromTemplate(client, grown, nameFor);
    const TableName = "test-OrdersTable1A2B3C4D";
    const described = await client.send(new DescribeTableCommand({ TableName }));
    expect(described.Table?.GlobalSecondaryIndexes?.map((i) => i.IndexName).sort()).toEqual([
      "byStatus",
      "gsi1",
    ]);
    const backordered = await doc.send(
      new QueryCommand({
        TableName,
        IndexName: "byStatus",
        KeyConditionExpression: "#s = :s",
        ExpressionAttributeNames: { "#s": "status" },
        ExpressionAttributeValues: { ":s": "BACKORDERED" },
      }),
    );
    expect(backordered.Items).toEqual([{ pk: "ORDER#1", sk: "META", status: "BACKORDERED" }]);
  });

  it("refuses a TransactWriteItems of more than 100 actions, as DynamoDB does", async () => {
    // Code must chunk its transactions: an emulator kinder than AWS would hide it.
    handle ??= await startDynamoDbLocal({ port, dataDir, cacheDir });
    const { client, doc } = connect(handle.endpoint);
    const names = await createTablesFromTemplate(client, template, (id) => `limits-${id}`);
    const TableName = String(names.OrdersTable1A2B3C4D);
    const puts = (n: number, prefix: string) =>
      Array.from({ length: n }, (_, i) => ({
        Put: { TableName, Item: { pk: `${prefix}#${i}`, sk: "META" } },
      }));

    const over = doc.send(new TransactWriteCommand({ TransactItems: puts(101, "over") }));
    await expect(over).rejects.toMatchObject({
      name: "ValidationException",
      message: expect.stringMatching(/less than or equal to 100/),
    });
    const written = await doc.send(
      new QueryCommand({
        TableName,
        KeyConditionExpression: "pk = :pk",
        ExpressionAttributeValues: { ":pk": "over#0" },
      }),
    );
    expect(written.Items).toEqual([]);

    await doc.send(new TransactWriteCommand({ TransactItems: puts(100, "max") }));
    const last = await doc.send(new GetCommand({ TableName, Key: { pk: "max#99", sk: "META" } }));
    expect(last.Item).toEqual({ pk: "max#99", sk: "META" });
  });

  it("refuses a port that is already taken instead of talking to another process", async () => {
    const busy = createServer();
    await new Promise<void>((resolve) => busy.listen(0, "127.0.0.1", resolve));
    const address = busy.address();
    const busyPort = typeof address === "object" && address ? address.port : 0;
    try {
      await expect(
        startDynamoDbLocal({ port: busyPort, inMemory: true, cacheDir }),
      ).rejects.toThrow(/already in use/);
    } finally {
      await new Promise<void>((resolve) => busy.close(() => resolve()));
    }
  });
});
