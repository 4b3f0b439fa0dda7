import { Duration } from "aws-cdk-lib";
import type { HttpApi } from "aws-cdk-lib/aws-apigatewayv2";
import {
  Alarm,
  ComparisonOperator,
  Dashboard,
  GraphWidget,
  type IMetric,
  MathExpression,
  Metric,
  TextWidget,
  TreatMissingData,
} from "aws-cdk-lib/aws-cloudwatch";
import { SnsAction } from "aws-cdk-lib/aws-cloudwatch-actions";
import { Operation, type Table } from "aws-cdk-lib/aws-dynamodb";
import { ServicePrincipal } from "aws-cdk-lib/aws-iam";
import { Key } from "aws-cdk-lib/aws-kms";
import type { Function as LambdaFunction } from "aws-cdk-lib/aws-lambda";
import { Topic } from "aws-cdk-lib/aws-sns";
import { EmailSubscription } from "aws-cdk-lib/aws-sns-subscriptions";
import type { Queue } from "aws-cdk-lib/aws-sqs";
import type { StateMachine } from "aws-cdk-lib/aws-stepfunctions";
import { Construct } from "constructs";
import type { FunctionName } from "../../shared/http/routes.ts";
import { METRICS_NAMESPACE } from "../../shared/ports/metrics.ts";
import type { Stage } from "../stage.ts";

export { METRICS_NAMESPACE };

/** The DynamoDB operations the engine calls (their throttles and system errors alarm). */
const TABLE_OPERATIONS = [
  Operation.GET_ITEM,
  Operation.PUT_ITEM,
  Operation.UPDATE_ITEM,
  Operation.DELETE_ITEM,
  Operation.QUERY,
  Operation.BATCH_GET_ITEM,
  Operation.TRANSACT_WRITE_ITEMS,
];

export interface MonitoringProps {
  stage: Stage;
  functions: Record<FunctionName, LambdaFunction>;
  /** Each function's timeout in seconds (its p99 duration alarms at 80 % of it). */
  timeouts: Record<FunctionName, number>;
  machines: { lines: StateMachine; bulk: StateMachine };
  api: HttpApi;
  table: Table;
  deadLetterQueues: Queue[];
  /** Who gets the alarms by email (context `alarmEmail`); none: subscribe to the topic. */
  alarmEmail?: string;
}

/**
 * Alarms, to one SNS topic, on what means the engine is failing a customer: executions
 * failed, timed out, aborted or throttled; a function's errors and throttles, and its p99
 * duration near its timeout; the API's 5xx and p99 latency; DynamoDB's throttles and system
 * errors; SES's bounce and complaint rates (above them SES pauses the account); dead
 * letters; and lines waiting past their promise. A dashboard shows the same.
 */
export class Monitoring extends Construct {
  readonly topic: Topic;
  readonly alarms: Alarm[] = [];

  constructor(scope: Construct, id: string, props: MonitoringProps) {
    super(scope, id);
    // CloudWatch publishes to an encrypted topic only with a key that lets it: not the
    // AWS-managed SNS key, so a key of the stack's own, rotated.
    const key = new Key(this, "AlarmTopicKey", {
      description: `Encrypts the ${props.stage.prefix} alarm topic`,
      enableKeyRotation: true,
    });
    // The key policy AWS documents for alarms to an encrypted topic: `GenerateDataKey*` is
    // GenerateDataKey and GenerateDataKeyWithoutPlaintext, both of which SNS may ask for on
    // CloudWatch's behalf; the grant is to CloudWatch's service principal and this key only.
    key.grant(
      new ServicePrincipal("cloudwatch.amazonaws.com"),
      "kms:Decrypt",
      "kms:GenerateDataKey*",
    );
    this.topic = new Topic(this, "AlarmTopic", {
      topicName: `${props.stage.prefix}-alarms`,
      displayName: `Backorder engine (${props.stage.name}) alarms`,
      masterKey: key,
      enforceSSL: true,
    });
    if (props.alarmEmail) this.topic.addSubscription(new EmailSubscription(props.alarmEmail));
    const action = new SnsAction(this.topic);

    const alarm = (
      id: string,
      description: string,
      metric: IMetric,
      threshold: number,
      options: { periods?: number; missing?: TreatMissingData } = {},
    ) => {
      const made = new Alarm(this, id, {
        alarmName: `${props.stage.prefix}-${id}`,
        alarmDescription: description,
        metric,
        threshold,
        evaluationPeriods: options.periods ?? 1,
        comparisonOperator: ComparisonOperator.GREATER_THAN_THRESHOLD,
        treatMissingData: options.missing ?? TreatMissingData.NOT_BREACHING,
      });
      made.addAlarmAction(action);
      made.addOkAction(action);
      this.alarms.push(made);
      return made;
    };
    const fiveMinutes = { period: Duration.minutes(5) };

    // Executions: any that failed, timed out, was aborted or throttled.
    for (const [name, machine] of Object.entries(props.machines)) {
      alarm(
        `${name}-executions-failed`,
        `${name} executions failed`,
        machine.metricFailed(fiveMinutes),
        0,
      );
      alarm(
        `${name}-executions-timed-out`,
        `${name} executions timed out`,
        machine.metricTimedOut(fiveMinutes),
        0,
      );
      alarm(
        `${name}-executions-aborted`,
        `${name} executions aborted`,
        machine.metricAborted(fiveMinutes),
        0,
      );
      alarm(
        `${name}-executions-throttled`,
        `${name} state transitions throttled`,
        machine.metricThrottled(fiveMinutes),
        0,
      );
    }

    // Functions: errors or throttles; p99 duration past 80 % of the timeout.
    for (const [name, fn] of Object.entries(props.functions) as [FunctionName, LambdaFunction][]) {
      alarm(
        `${name}-errors`,
        `${name}: invocations that failed or were throttled`,
        new MathExpression({
          expression: "errors + throttles",
          usingMetrics: {
            errors: fn.metricErrors(fiveMinutes),
            throttles: fn.metricThrottles(fiveMinutes),
          },
          label: `${name} errors and throttles`,
          ...fiveMinutes,
        }),
        0,
      );
      alarm(
        `${name}-duration`,
        `${name}: p99 duration above 80 % of its ${props.timeouts[name]} s timeout`,
        fn.metricDuration({ ...fiveMinutes, statistic: "p99" }),
        props.timeouts[name] * 1000 * 0.8,
        { periods: 2 },
      );
    }

    // The API: server errors, and a p99 latency near the 30 s cut.
    alarm("api-5xx", "API answers 5xx", props.api.metricServerError(fiveMinutes), 5);
    alarm(
      "api-latency",
      "API p99 latency above 10 s",
      props.api.metricLatency({ ...fiveMinutes, statistic: "p99" }),
      10_000,
      { periods: 2 },
    );

    // DynamoDB: throttled requests and system errors, over the operations the engine calls.
    const operations = [...TABLE_OPERATIONS];
    alarm(
      "table-throttles",
      "DynamoDB requests throttled",
      props.table.metricThrottledRequestsForOperations({ operations, ...fiveMinutes }),
      0,
    );
    alarm(
      "table-system-errors",
      "DynamoDB system errors",
      props.table.metricSystemErrorsForOperations({ operations, ...fiveMinutes }),
      0,
    );

    // SES: the account's reputation (SES reviews an account past 5 % bounces, 0.1 %
    // complaints, and may pause its sending).
    const reputation = (name: string) =>
      new Metric({
        namespace: "AWS/SES",
        metricName: name,
        statistic: "Maximum",
        period: Duration.hours(1),
      });
    alarm(
      "ses-bounce-rate",
      "SES bounce rate above 4 %",
      reputation("Reputation.BounceRate"),
      0.04,
    );
    alarm(
      "ses-complaint-rate",
      "SES complaint rate above 0.08 %",
      reputation("Reputation.ComplaintRate"),
      0.0008,
    );

    // Dead letters: events a function could not handle after every retry.
    props.deadLetterQueues.forEach((queue, i) => {
      alarm(
        `dead-letters-${i + 1}`,
        `Messages in ${queue.node.path}`,
        queue.metricApproximateNumberOfMessagesVisible(fiveMinutes),
        0,
      );
    });

    // Lines whose promised date passed while they waited (the engine's own metric, counted
    // as each line's escalation finds its promise passed: shared/services/escalate.ts).
    const pastPromise = new Metric({
      namespace: METRICS_NAMESPACE,
      metricName: "LinesPastPromise",
      dimensionsMap: { service: "backorder-engine", stage: props.stage.name },
      statistic: "Sum",
      period: Duration.hours(1),
    });
    alarm(
      "lines-past-promise",
      "Lines still waiting when their promised date passed",
      pastPromise,
      0,
    );

    const dashboard = new Dashboard(this, "Dashboard", {
      dashboardName: `${props.stage.prefix}`,
    });
    const functionMetrics = (pick: (fn: LambdaFunction) => IMetric) =>
      Object.values(props.functions).map(pick);
    dashboard.addWidgets(
      new TextWidget({
        markdown: `# Backorder engine (${props.stage.name})\nAlarms go to ${this.topic.topicName}.`,
        width: 24,
        height: 2,
      }),
    );
    dashboard.addWidgets(
      new GraphWidget({
        title: "Line executions",
        left: [
          props.machines.lines.metricStarted(fiveMinutes),
          props.machines.lines.metricSucceeded(fiveMinutes),
          props.machines.lines.metricFailed(fiveMinutes),
          props.machines.lines.metricTimedOut(fiveMinutes),
          props.machines.lines.metricAborted(fiveMinutes),
        ],
        width: 12,
      }),
      new GraphWidget({ title: "Lines past their promise", left: [pastPromise], width: 12 }),
      new GraphWidget({
        title: "Function errors",
        left: functionMetrics((fn) => fn.metricErrors(fiveMinutes)),
        width: 12,
      }),
      new GraphWidget({
        title: "Function p99 duration",
        left: functionMetrics((fn) => fn.metricDuration({ ...fiveMinutes, statistic: "p99" })),
        width: 12,
      }),
      new GraphWidget({
        title: "API",
        left: [props.api.metricCount(fiveMinutes), props.api.metricServerError(fiveMinutes)],
        right: [props.api.metricLatency({ ...fiveMinutes, statistic: "p99" })],
        width: 12,
      }),
      // One expression a graph: the two share their metrics' ids.
      new GraphWidget({
        title: "DynamoDB throttled requests",
        left: [props.table.metricThrottledRequestsForOperations({ operations, ...fiveMinutes })],
        width: 6,
      }),
      new GraphWidget({
        title: "DynamoDB system errors",
        left: [props.table.metricSystemErrorsForOperations({ operations, ...fiveMinutes })],
        width: 6,
      }),
      new GraphWidget({
        title: "SES reputation",
        left: [reputation("Reputation.BounceRate"), reputation("Reputation.ComplaintRate")],
        width: 12,
      }),
    );
  }
}
