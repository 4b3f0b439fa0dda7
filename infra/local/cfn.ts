/** The parts of a synthesized CloudFormation template (AWS CDK output) the local stack reads. */
import type { AttributeDefinition, KeySchemaElement } from "@aws-sdk/client-dynamodb";

export interface CfnResource {
  Type: string;
  Properties?: Record<string, unknown>;
  Metadata?: Record<string, unknown>;
}

export interface CfnTemplate {
  Resources: Record<string, CfnResource>;
}

export interface CfnThroughput {
  ReadCapacityUnits: number | string;
  WriteCapacityUnits: number | string;
}

export interface CfnProjection {
  ProjectionType?: string;
  NonKeyAttributes?: string[];
}

export interface CfnIndex {
  IndexName: string;
  KeySchema: KeySchemaElement[];
  Projection?: CfnProjection;
  ProvisionedThroughput?: CfnThroughput;
}

/** Properties of an AWS::DynamoDB::Table or AWS::DynamoDB::GlobalTable. */
export interface CfnTableProperties {
  KeySchema: KeySchemaElement[];
  AttributeDefinitions?: AttributeDefinition[];
  GlobalSecondaryIndexes?: CfnIndex[];
  LocalSecondaryIndexes?: CfnIndex[];
  BillingMode?: string;
  ProvisionedThroughput?: CfnThroughput;
  TimeToLiveSpecification?: { AttributeName?: string; Enabled?: boolean | string };
  StreamSpecification?: { StreamViewType?: string };
}
