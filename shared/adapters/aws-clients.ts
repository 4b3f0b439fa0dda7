import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { SESv2Client } from "@aws-sdk/client-sesv2";
import { SFNClient } from "@aws-sdk/client-sfn";
import { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import { metered } from "./meter.ts";

/**
 * SDK clients, created once per module on first use. Endpoints and credentials come from
 * the SDK's standard configuration (`AWS_ENDPOINT_URL_DYNAMODB`, `AWS_ENDPOINT_URL_SFN`,
 * `AWS_ENDPOINT_URL_SESV2`, `AWS_REGION`, ...), which the local stack sets and AWS
 * leaves at its defaults.
 */
let documentClient: DynamoDBDocumentClient | undefined;
let sfnClient: SFNClient | undefined;
let sesClient: SESv2Client | undefined;

export function dynamo(): DynamoDBDocumentClient {
  documentClient ??= DynamoDBDocumentClient.from(metered(new DynamoDBClient({}), "dynamodb"), {
    marshallOptions: { removeUndefinedValues: true },
  });
  return documentClient;
}

export function sfn(): SFNClient {
  sfnClient ??= metered(new SFNClient({}), "sfn");
  return sfnClient;
}

export function ses(): SESv2Client {
  sesClient ??= metered(new SESv2Client({}), "ses");
  return sesClient;
}
