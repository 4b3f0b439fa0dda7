import { RemovalPolicy } from "aws-cdk-lib";
import {
  AttributeType,
  BillingMode,
  ProjectionType,
  Table,
  TableEncryption,
} from "aws-cdk-lib/aws-dynamodb";
import { Construct } from "constructs";
import { WAITING_QUEUE_FIELDS } from "../../shared/adapters/dynamodb/queue-index.ts";
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
    // Lists read whole items: an order's emails, shipments by status, orders by ref,
    // intake's pending idempotency records.
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
    // A SKU's waiting lines, oldest first: gsi4pk = WAITING#<sku>. Only what the queue is
    // read for is projected (the order, the units, the age); the lines being filled are
    // read whole from the table. A waiting line is written often (its task token, wake
    // marks, dates, last contact): none of those writes touches this index.
    this.table.addGlobalSecondaryIndex({
      indexName: "gsi4",
      partitionKey: { name: "gsi4pk", type: AttributeType.STRING },
      sortKey: { name: "gsi4sk", type: AttributeType.STRING },
      projectionType: ProjectionType.INCLUDE,
      nonKeyAttributes: [...WAITING_QUEUE_FIELDS],
    });
  }
}
