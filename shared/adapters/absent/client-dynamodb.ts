import { absentClass } from "./aws-sdk.ts";

/** Stands in for `@aws-sdk/client-dynamodb` where a function has no table access (refuse.ts). */
const Absent = absentClass("@aws-sdk/client-dynamodb", "table:read or table:write");

export class DynamoDBClient extends Absent {}
export class DescribeTableCommand extends Absent {}
export class ConditionalCheckFailedException extends Error {}
export class TransactionCanceledException extends Error {}
