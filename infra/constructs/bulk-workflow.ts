import { Duration, RemovalPolicy } from "aws-cdk-lib";
import type { IFunction } from "aws-cdk-lib/aws-lambda";
import { LogGroup } from "aws-cdk-lib/aws-logs";
import {
  Choice,
  Condition,
  DefinitionBody,
  Errors,
  JitterType,
  JsonPath,
  StateMachine,
  StateMachineType,
  Succeed,
  TaskInput,
} from "aws-cdk-lib/aws-stepfunctions";
import { LambdaInvoke } from "aws-cdk-lib/aws-stepfunctions-tasks";
import { Construct } from "constructs";
import type { Stage } from "../stage.ts";
import { TRANSIENT_RETRY } from "./line-workflow.ts";

/** State names of the bulk machine. */
export const BULK_STATES = {
  run: "RunBulkJob",
  done: "BulkJobDone",
  finished: "Finished",
} as const;

export interface BulkWorkflowProps {
  runBulkJob: IFunction;
  /** The stage: its log retention, level and names. */
  stage: Stage;
}

/**
 * Bulk work outside the HTTP call's 30 s (contract §6): a receipt's fan-out, a stock raise
 * or a notice that reaches many waiting lines. `RunBulkJob` works on the job for up to its
 * time budget and says whether it is done; each run goes on from what the table says is
 * left, so a retried or repeated run does only what is left. Two transitions a run: a
 * 10,000-line receipt is a few dozen.
 */
export class BulkWorkflow extends Construct {
  readonly stateMachine: StateMachine;

  constructor(scope: Construct, id: string, props: BulkWorkflowProps) {
    super(scope, id);
    const run = new LambdaInvoke(this, BULK_STATES.run, {
      lambdaFunction: props.runBulkJob,
      payload: TaskInput.fromObject({ job: JsonPath.objectAt("$.job") }),
      payloadResponseOnly: true,
      resultPath: "$.step",
      comment: "Work on the job for a while; say whether it is done",
    });
    run.addRetry(TRANSIENT_RETRY);
    run.addRetry({
      errors: [Errors.TASKS_FAILED],
      interval: Duration.seconds(2),
      maxAttempts: 5,
      backoffRate: 2,
      maxDelay: Duration.seconds(60),
      jitterStrategy: JitterType.FULL,
    });
    run.next(
      new Choice(this, BULK_STATES.done, { comment: "Done, or run again from where it is" })
        .when(Condition.booleanEquals("$.step.done", true), new Succeed(this, BULK_STATES.finished))
        .otherwise(run),
    );

    // Under /aws/vendedlogs/states/: the prefix Step Functions' log delivery is meant for
    // (its resource policy stays small however many machines log).
    const logGroup = new LogGroup(this, "Logs", {
      logGroupName: `/aws/vendedlogs/states/${props.stage.prefix}-bulk`,
      retention: props.stage.logRetention,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    this.stateMachine = new StateMachine(this, "BulkStateMachine", {
      stateMachineType: StateMachineType.STANDARD,
      definitionBody: DefinitionBody.fromChainable(run),
      comment: "One execution per bulk job (a receipt, a stock raise, a notice's re-dating)",
      tracingEnabled: true,
      logs: {
        destination: logGroup,
        level: props.stage.workflowLogLevel,
        includeExecutionData: true,
      },
    });
  }
}
