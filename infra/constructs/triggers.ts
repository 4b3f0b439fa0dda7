import { Duration, Validations } from "aws-cdk-lib";
import { type EventPattern, Rule } from "aws-cdk-lib/aws-events";
import { LambdaFunction } from "aws-cdk-lib/aws-events-targets";
import type { IFunction } from "aws-cdk-lib/aws-lambda";
import { SqsDestination } from "aws-cdk-lib/aws-lambda-destinations";
import { Queue, QueueEncryption } from "aws-cdk-lib/aws-sqs";
import type { IStateMachine } from "aws-cdk-lib/aws-stepfunctions";
import { Construct } from "constructs";
import { SES_DETAIL_TYPES, SES_SOURCE } from "../../shared/domain/email-feedback.ts";
import { type EventTrigger, eventFunctions, type FunctionName } from "../../shared/http/routes.ts";
import {
  EXECUTION_STATUS_CHANGE,
  STEP_FUNCTIONS_SOURCE,
  STOPPED_STATUSES,
} from "../../shared/workflow/execution-events.ts";

export interface EventTriggersProps {
  functions: Record<FunctionName, IFunction>;
  lineStateMachine: IStateMachine;
}

/** The EventBridge pattern of each event trigger of the function table. */
const PATTERNS: Record<EventTrigger, (props: EventTriggersProps) => EventPattern> = {
  "line-execution-stopped": ({ lineStateMachine }) => ({
    source: [STEP_FUNCTIONS_SOURCE],
    detailType: [EXECUTION_STATUS_CHANGE],
    detail: {
      status: [...STOPPED_STATUSES],
      stateMachineArn: [lineStateMachine.stateMachineArn],
    },
  }),
  // The engine's configuration set sends only sends, bounces, complaints and rejects to the
  // bus.
  "email-feedback": () => ({
    source: [SES_SOURCE],
    detailType: [...SES_DETAIL_TYPES],
  }),
};

/** How long and how often an event is tried before it goes to the dead-letter queue. */
export const EVENT_DELIVERY = {
  /** EventBridge: retries of a delivery Lambda did not accept (throttled, unavailable). */
  ruleRetryAttempts: 20,
  ruleMaxEventAge: Duration.hours(24),
  /** Lambda: retries of an invocation whose handler failed (EventBridge invokes async). */
  functionRetryAttempts: 2,
  functionMaxEventAge: Duration.hours(6),
} as const;

/**
 * One EventBridge rule per function the function table runs on events (`onEvent`), with
 * the pattern of its trigger. Delivery is at least once: EventBridge retries what Lambda
 * did not accept, Lambda retries a handler that failed, and what still fails lands in the
 * function's encrypted dead-letter queue (the reconciler's backstop covers those lines).
 * The local stack reads these rules from the template and delivers the same events.
 */
export class EventTriggers extends Construct {
  readonly deadLetterQueues: Partial<Record<FunctionName, Queue>> = {};

  constructor(scope: Construct, id: string, props: EventTriggersProps) {
    super(scope, id);
    for (const { name, onEvent } of eventFunctions()) {
      const fn = props.functions[name];
      const deadLetters = new Queue(this, `${name}-dead-letters`, {
        encryption: QueueEncryption.SQS_MANAGED,
        enforceSSL: true,
        retentionPeriod: Duration.days(14),
      });
      Validations.of(deadLetters).acknowledge({
        id: "AwsSolutions-SQS3",
        reason:
          "This queue is itself the dead-letter queue of the rule's target and of the function's failed async invocations; an operator reads it (the reconciler's backstop restarts the lines meanwhile).",
      });
      new Rule(this, `${name}-on-${onEvent}`, {
        description: `Runs ${name} on ${onEvent}`,
        eventPattern: PATTERNS[onEvent](props),
        targets: [
          new LambdaFunction(fn, {
            retryAttempts: EVENT_DELIVERY.ruleRetryAttempts,
            maxEventAge: EVENT_DELIVERY.ruleMaxEventAge,
            deadLetterQueue: deadLetters,
          }),
        ],
      });
      fn.configureAsyncInvoke({
        retryAttempts: EVENT_DELIVERY.functionRetryAttempts,
        maxEventAge: EVENT_DELIVERY.functionMaxEventAge,
        onFailure: new SqsDestination(deadLetters),
      });
      this.deadLetterQueues[name] = deadLetters;
    }
  }
}
