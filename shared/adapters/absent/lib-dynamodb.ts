import { absentClass } from "./aws-sdk.ts";
import { refuse } from "./refuse.ts";

/** Stands in for `@aws-sdk/lib-dynamodb` where a function has no table access (refuse.ts). */
const PKG = "@aws-sdk/lib-dynamodb";
const ACCESS = "table:read or table:write";
const Absent = absentClass(PKG, ACCESS);

export class DynamoDBDocumentClient extends Absent {
  static from(): never {
    return refuse(PKG, ACCESS);
  }
}
export class BatchGetCommand extends Absent {}
export class DeleteCommand extends Absent {}
export class GetCommand extends Absent {}
export class PutCommand extends Absent {}
export class QueryCommand extends Absent {}
export class TransactWriteCommand extends Absent {}
export class UpdateCommand extends Absent {}
