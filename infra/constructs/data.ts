import { RemovalPolicy } from "aws-cdk-lib";
import {
  AttributeType,
  BillingMode,
  ProjectionType,
  Table,
  TableEncryption,
} from "aws-cdk-lib/aws-dynamodb";
import { Construct } from "constructs";
import type { Stage } from "../stage.ts";

/**
 * The one DynamoDB table (single-table design, see docs/data-model.md). The local stack
 * creates its tables from this construct's synthesized definition.
 */
export class DataTable extends Construct {
  readonly table: Table;

  constructor(scope: Construct, id: string, props: { stage: Stage }) {
    super(scope, id);
    this.table = new Table(this, "Table", {
      tableName: props.stage.prefix,
      // Kept when the stack is deleted, and in prod not deletable at all until this is off.
      deletionProtection: props.stage.tableDeletionProtection,
      partitionKey: { name: "pk", type: AttributeType.STRING },
      sortKey: { name: "sk", type: AttributeType.STRING },
      billingMode: BillingMode.PAY_PER_REQUEST,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      encryption: TableEncryption.AWS_MANAGED,
      removalPolicy: RemovalPolicy.RETAIN,
      timeToLiveAttribute: "expiresAt",
    });
    // A SKU's waiting lines, oldest first: one Query on gsi1pk = WAITING#<sku>.
    this.table.addGlobalSecondaryIndex({
      indexName: "gsi1",
      partitionKey: { name: "gsi1pk", type: AttributeType.STRING },
      sortKey: { name: "gsi1sk", type: AttributeType.STRING },
    });
    // The wake outbox: lines owed a wake-up, by shard (WAKE#<n>) and next try (sparse).
    this.table.addGlobalSecondaryIndex({
      indexName: "gsi2",
      partitionKey: { name: "gsi2pk", type: AttributeType.STRING },
      sortKey: { name: "gsi2sk", type: AttributeType.STRING },
      projectionType: ProjectionType.INCLUDE,
      nonKeyAttributes: ["orderId", "lineId", "wakeDue", "wakeAttempts"],
    });
    // Lines whose execution has not finished, in a few shards: gsi3pk = LIVE#<shard>. The
    // reconciler's backstop pages it; only what it reads is projected, so the many other
    // writes of a line do not write this index too.
    this.table.addGlobalSecondaryIndex({
      indexName: "gsi3",
      partitionKey: { name: "gsi3pk", type: AttributeType.STRING },
      sortKey: { name: "gsi3sk", type: AttributeType.STRING },
      projectionType: ProjectionType.INCLUDE,
      nonKeyAttributes: ["orderId", "lineId", "executionName", "createdAt"],
    });
  }
}
