import { absentClass } from "./aws-sdk.ts";

/** Stands in for `@aws-sdk/client-sfn` where a function neither starts, wakes nor reads
 * executions (refuse.ts). */
const Absent = absentClass(
  "@aws-sdk/client-sfn",
  "workflow:start, workflow:signal, workflow:read, workflow:history or bulk:start",
);

export class SFNClient extends Absent {}
export class StartExecutionCommand extends Absent {}
export class SendTaskSuccessCommand extends Absent {}
export class DescribeExecutionCommand extends Absent {}
export class GetExecutionHistoryCommand extends Absent {}
export class ExecutionAlreadyExists extends Error {}
export class ExecutionDoesNotExist extends Error {}
