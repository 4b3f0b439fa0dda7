import * as z from "zod";

/**
 * The EventBridge event Step Functions sends when an execution changes status, as far as
 * the line machine's recovery reads it. The CDK app builds its rule from these constants
 * (infra/constructs/triggers.ts) and the local Step Functions endpoint emits the same JSON.
 */
export const STEP_FUNCTIONS_SOURCE = "aws.states";
export const EXECUTION_STATUS_CHANGE = "Step Functions Execution Status Change";

/** The statuses an execution stops in without having finished its line's work. */
export const STOPPED_STATUSES = ["FAILED", "TIMED_OUT", "ABORTED"] as const;
export type StoppedStatus = (typeof STOPPED_STATUSES)[number];

/** An "Execution Status Change" event of an execution that stopped. */
export const executionStoppedEvent = z.object({
  source: z.literal(STEP_FUNCTIONS_SOURCE),
  "detail-type": z.literal(EXECUTION_STATUS_CHANGE),
  id: z.string().optional(),
  time: z.string().optional(),
  detail: z.object({
    executionArn: z.string().min(1),
    stateMachineArn: z.string().min(1),
    name: z.string().min(1),
    status: z.enum(STOPPED_STATUSES),
    /** The execution's input, as a JSON string (null when too large to include). */
    input: z.string().nullish(),
  }),
});
export type ExecutionStoppedEvent = z.infer<typeof executionStoppedEvent>;

/** The input every line execution starts with (shared/adapters/sfn-line-workflow.ts). */
export const lineRunInputSchema = z.object({
  orderId: z.string().min(1),
  lineId: z.string().min(1),
});
