/**
 * The DynamoDB tables of a synthesized CloudFormation template, created in DynamoDB Local
 * (or grown to match it when they exist).
 */
import { setTimeout as sleep } from "node:timers/promises";
import {
  type AttributeDefinition,
  CreateTableCommand,
  type CreateTableCommandInput,
  DescribeTableCommand,
  DescribeTimeToLiveCommand,
  type DynamoDBClient,
  type GlobalSecondaryIndex,
  type KeySchemaElement,
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
import type {
  CfnIndex,
  CfnProjection,
  CfnTableProperties,
  CfnTemplate,
  CfnThroughput,
} from "../cfn.ts";

const TABLE_TYPES = new Set(["AWS::DynamoDB::Table", "AWS::DynamoDB::GlobalTable"]);

function throughput(p: CfnThroughput | undefined): ProvisionedThroughput | undefined {
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
  template: CfnTemplate,
  nameFor: (logicalId: string) => string = (logicalId) => logicalId,
): Promise<Record<string, string>> {
  const names: Record<string, string> = {};
  for (const [logicalId, resource] of Object.entries(template.Resources)) {
    if (!TABLE_TYPES.has(resource.Type)) continue;
    const props = (resource.Properties ?? {}) as Partial<CfnTableProperties>;
    if (!Array.isArray(props.KeySchema) || props.KeySchema.length === 0) {
      throw new Error(`${logicalId}: DynamoDB table without KeySchema`);
    }
    const tableName = nameFor(logicalId);
    names[logicalId] = tableName;
    await ensureTable(client, logicalId, tableName, { ...props, KeySchema: props.KeySchema });
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
