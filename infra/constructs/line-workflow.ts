import { Duration, RemovalPolicy } from "aws-cdk-lib";
import type { IFunction } from "aws-cdk-lib/aws-lambda";
import { LogGroup } from "aws-cdk-lib/aws-logs";
import {
  Choice,
  Condition,
  DefinitionBody,
  Errors,
  IntegrationPattern,
  JitterType,
  JsonPath,
  type RetryProps,
  StateMachine,
  StateMachineType,
  Succeed,
  TaskInput,
  Timeout,
  Wait,
  WaitTime,
} from "aws-cdk-lib/aws-stepfunctions";
import { LambdaInvoke } from "aws-cdk-lib/aws-stepfunctions-tasks";
import { Construct } from "constructs";
import { EMAIL_CLAIM_LEASE_MS, EMAIL_SEND_ATTEMPTS } from "../../shared/domain/notifications.ts";
import type { FunctionName } from "../../shared/http/routes.ts";
import { PAYMENT_RATE_LIMITED } from "../../shared/ports/payment-gateway.ts";
import {
  EMAIL_NOT_SENT,
  LINE_CHANGED,
  NOTIFICATION_IN_FLIGHT,
  RATE_LIMITED,
} from "../../shared/workflow/errors.ts";
import { LINE_STATES } from "../../shared/workflow/states.ts";
import type { Stage } from "../stage.ts";

export { LINE_STATES };

/** Error a line's waiting task is failed with (SendTaskFailure) when the line changed
 * under it, e.g. it was cancelled: the machine advances the line from where it is now. */
export const LINE_CHANGED_ERROR = LINE_CHANGED;

/** The functions the machine's tasks invoke. */
export const WORKFLOW_FUNCTIONS = ["advance-line", "park-line"] as const;

/** Errors that mean "try again later", never "this failed": Lambda and its callees
 * throttled or briefly unavailable, the payment provider's rate limit. */
export const TRANSIENT_ERRORS = [
  "Lambda.TooManyRequestsException",
  "Lambda.ServiceException",
  "Lambda.AWSLambdaException",
  "Lambda.SdkClientException",
  "Lambda.ClientExecutionTimeoutException",
  "ThrottlingException",
  "TooManyRequestsException",
  PAYMENT_RATE_LIMITED,
] as const;

/** Throttled or briefly unavailable: back off with full jitter, capped, never give up soon. */
export const TRANSIENT_RETRY: RetryProps = {
  errors: [...TRANSIENT_ERRORS],
  interval: Duration.seconds(2),
  maxAttempts: 8,
  backoffRate: 2,
  maxDelay: Duration.seconds(60),
  jitterStrategy: JitterType.FULL,
};

/** Emails one working step may owe at most (e.g. a cancel's and a delay's): each may use up
 * its sends in turn within the retries of one failed step. */
export const EMAILS_PER_STEP = 3;

/**
 * The provider refused or throttled an email the step owes (its claim released): the step
 * is retried, each run one more send of it, with back-off and full jitter, capped, over
 * several minutes; once the email's sends reach EMAIL_SEND_ATTEMPTS it is recorded failed
 * and the step goes on, well before these retries run out, even for a few emails in turn.
 */
export const EMAIL_RETRY: RetryProps = {
  errors: [EMAIL_NOT_SENT],
  interval: Duration.seconds(5),
  backoffRate: 2,
  maxDelay: Duration.seconds(120),
  jitterStrategy: JitterType.FULL,
  maxAttempts: EMAILS_PER_STEP * EMAIL_SEND_ATTEMPTS,
};

/**
 * Another attempt holds a fresh claim on an email the step owes (or a send of ours may have
 * gone): retried no sooner than the claim's lease runs out, when a later run may send it.
 */
export const IN_FLIGHT_RETRY: RetryProps = {
  errors: [NOTIFICATION_IN_FLIGHT],
  interval: Duration.seconds(Math.ceil(EMAIL_CLAIM_LEASE_MS / 1000)),
  maxAttempts: 4,
  backoffRate: 2,
};

/**
 * A payment or email turn could not be reserved within the horizon (a queue longer than
 * a quarter of an hour at its rate, shared/services/rates.ts): the step is retried from
 * 1 s, growing to 20 s, with full jitter, for about half an hour. A turn within the horizon
 * is waited for in the WaitForTurn state instead, no retry spent.
 */
export const RATE_RETRY: RetryProps = {
  errors: [RATE_LIMITED],
  interval: Duration.seconds(1),
  backoffRate: 1.5,
  maxDelay: Duration.seconds(20),
  jitterStrategy: JitterType.FULL,
  maxAttempts: 150,
};

export interface LineWorkflowProps {
  functions: Pick<Record<FunctionName, IFunction>, (typeof WORKFLOW_FUNCTIONS)[number]>;
  /** The stage: its log retention, level and names. */
  stage: Stage;
}

/**
 * The line state machine: one Standard execution per order line, named after the line id.
 * It has one working step and one wait. `AdvanceLine` reads the line's persisted state and
 * does everything it can now (shared/services/advance.ts), returning what the line waits
 * for next and for how long; `ParkLine` parks it on a task token until it is woken, told
 * it changed, or its time is up, and then it advances again. So the machine can be
 * (re)entered at any status, and a line's life costs few state transitions.
 */
export class LineWorkflow extends Construct {
  readonly stateMachine: StateMachine;

  constructor(scope: Construct, id: string, props: LineWorkflowProps) {
    super(scope, id);
    const fns = props.functions;
    const lineRef = {
      orderId: JsonPath.stringAt("$.orderId"),
      lineId: JsonPath.stringAt("$.lineId"),
      /** The machine's ARN, for the tasks that start or wake executions. */
      stateMachineArn: JsonPath.stringAt("$$.StateMachine.Id"),
    };

    const advance = new LambdaInvoke(this, LINE_STATES.advance, {
      lambdaFunction: fns["advance-line"],
      // The whole state goes in: `notify` is there only on a line's first execution.
      payload: TaskInput.fromObject({ ...lineRef, execution: JsonPath.objectAt("$") }),
      payloadResponseOnly: true,
      resultPath: "$.step",
      comment: "Do everything the line allows now; say what it waits for next, and how long",
    });
    // Emails: another attempt holds one's claim, or the provider refused one (notify.ts).
    advance.addRetry(IN_FLIGHT_RETRY);
    advance.addRetry(EMAIL_RETRY);
    advance.addRetry(RATE_RETRY);
    advance.addRetry(TRANSIENT_RETRY);
    advance.addRetry({
      errors: [Errors.TASKS_FAILED],
      interval: Duration.seconds(2),
      maxAttempts: 3,
      backoffRate: 2,
      maxDelay: Duration.seconds(30),
      jitterStrategy: JitterType.FULL,
    });

    const park = new LambdaInvoke(this, LINE_STATES.park, {
      lambdaFunction: fns["park-line"],
      integrationPattern: IntegrationPattern.WAIT_FOR_TASK_TOKEN,
      payload: TaskInput.fromObject({
        ...lineRef,
        taskToken: JsonPath.taskToken,
        wait: JsonPath.stringAt("$.step.wait"),
      }),
      taskTimeout: Timeout.at("$.step.waitSeconds"),
      resultPath: "$.resume",
      comment: "Park until woken, told the line changed (LineChanged), or its time is up",
    });
    park.addRetry(TRANSIENT_RETRY);
    // Woken, changed or timed out: the line is advanced from where it is now.
    park.addCatch(advance, {
      errors: [LINE_CHANGED_ERROR, Errors.TIMEOUT],
      resultPath: "$.interrupted",
    });
    park.next(advance);

    // Its turn at a rate (a charge's, an email's) is later: wait for it here, where waiting
    // costs nothing, then advance again holding the turn.
    const turn = new Wait(this, LINE_STATES.turn, {
      time: WaitTime.secondsPath("$.step.waitSeconds"),
      comment: "Wait for the turn at a rate the step reserved; the step runs again in it",
    });
    turn.next(advance);

    const finished = new Succeed(this, LINE_STATES.finished);
    advance.next(
      new Choice(this, LINE_STATES.done, {
        comment: "Done, wait for a turn at a rate, or park until what it waits for",
      })
        .when(Condition.isNull("$.step.wait"), finished)
        .when(Condition.isPresent("$.step.turn"), turn)
        .otherwise(park),
    );

    // Under /aws/vendedlogs/states/: the prefix Step Functions' log delivery is meant for
    // (its resource policy stays small however many machines log).
    const logGroup = new LogGroup(this, "Logs", {
      logGroupName: `/aws/vendedlogs/states/${props.stage.prefix}-lines`,
      retention: props.stage.logRetention,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    this.stateMachine = new StateMachine(this, "LineStateMachine", {
      stateMachineType: StateMachineType.STANDARD,
      definitionBody: DefinitionBody.fromChainable(advance),
      comment: "One execution per order line: advance the line, park it until it can go on",
      tracingEnabled: true,
      logs: {
        destination: logGroup,
        level: props.stage.workflowLogLevel,
        includeExecutionData: true,
      },
    });
  }
}
