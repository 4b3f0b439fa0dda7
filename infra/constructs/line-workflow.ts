import { Duration, RemovalPolicy } from "aws-cdk-lib";
import type { IFunction } from "aws-cdk-lib/aws-lambda";
import { LogGroup, RetentionDays } from "aws-cdk-lib/aws-logs";
import {
  Choice,
  Condition,
  DefinitionBody,
  Errors,
  Fail,
  IntegrationPattern,
  JsonPath,
  LogLevel,
  StateMachine,
  StateMachineType,
  Succeed,
  TaskInput,
  Timeout,
} from "aws-cdk-lib/aws-stepfunctions";
import { LambdaInvoke } from "aws-cdk-lib/aws-stepfunctions-tasks";
import { Construct } from "constructs";
import type { FunctionName } from "../../shared/http/routes.ts";
import { LINE_CHANGED, NOTIFICATION_IN_FLIGHT } from "../../shared/workflow/handler.ts";

/** State names of the line machine, shared with the tests that walk its paths. */
export const LINE_STATES = {
  start: "NewLine",
  notifyBackordered: "NotifyBackordered",
  load: "LoadLine",
  route: "RouteByStatus",
  waitForStock: "WaitForStock",
  escalate: "EscalateDelay",
  charge: "ChargeLine",
  charged: "Charged",
  finished: "Finished",
  unhandled: "StatusNotHandled",
} as const;

/** Error a line's waiting task is failed with (SendTaskFailure) when the line changed
 * under it, e.g. it was cancelled: the machine reloads the line and goes on from there. */
export const LINE_CHANGED_ERROR = LINE_CHANGED;

/** The functions the machine's tasks invoke. */
export const WORKFLOW_FUNCTIONS = [
  "notify-backordered",
  "load-line",
  "park-line",
  "escalate-line",
  "charge-line",
] as const;

export interface LineWorkflowProps {
  functions: Pick<Record<FunctionName, IFunction>, (typeof WORKFLOW_FUNCTIONS)[number]>;
}

/**
 * The line state machine: one Standard execution per order line, named after the line id.
 * It always starts by loading the line's persisted status, so it can be (re)entered at any
 * status; every wait parks on a task token and times out at the line's next escalation.
 */
export class LineWorkflow extends Construct {
  readonly stateMachine: StateMachine;

  constructor(scope: Construct, id: string, props: LineWorkflowProps) {
    super(scope, id);
    const fns = props.functions;
    const lineRef = {
      orderId: JsonPath.stringAt("$.orderId"),
      lineId: JsonPath.stringAt("$.lineId"),
    };

    const load = new LambdaInvoke(this, LINE_STATES.load, {
      lambdaFunction: fns["load-line"],
      payload: TaskInput.fromObject(lineRef),
      payloadResponseOnly: true,
      resultPath: "$.line",
      comment: "Read the line's persisted status and the seconds to its next timer",
    });

    const notifyBackordered = new LambdaInvoke(this, LINE_STATES.notifyBackordered, {
      lambdaFunction: fns["notify-backordered"],
      payload: TaskInput.fromObject(lineRef),
      payloadResponseOnly: true,
      resultPath: JsonPath.DISCARD,
      comment: "Backstop of the API's send: make sure the order's backordered email went out",
    });
    // Another attempt may hold the email's claim; its lease runs out in two minutes.
    notifyBackordered.addRetry({
      errors: [NOTIFICATION_IN_FLIGHT],
      interval: Duration.seconds(60),
      maxAttempts: 4,
      backoffRate: 2,
    });

    const waitForStock = new LambdaInvoke(this, LINE_STATES.waitForStock, {
      lambdaFunction: fns["park-line"],
      integrationPattern: IntegrationPattern.WAIT_FOR_TASK_TOKEN,
      payload: TaskInput.fromObject({ ...lineRef, taskToken: JsonPath.taskToken, wait: "stock" }),
      taskTimeout: Timeout.at("$.line.waitSeconds"),
      resultPath: "$.resume",
      comment: "Park until an allocation or a change resumes the line, or its next escalation",
    });

    const escalate = new LambdaInvoke(this, LINE_STATES.escalate, {
      lambdaFunction: fns["escalate-line"],
      payload: TaskInput.fromObject(lineRef),
      payloadResponseOnly: true,
      resultPath: "$.escalation",
      comment: "The line's timer fell due: delay notice or check-in",
    });

    const charge = new LambdaInvoke(this, LINE_STATES.charge, {
      lambdaFunction: fns["charge-line"],
      payload: TaskInput.fromObject(lineRef),
      payloadResponseOnly: true,
      resultPath: "$.charge",
      comment: "Charge the allocated line (idempotent per line and attempt)",
    });

    for (const task of [notifyBackordered, load, escalate, charge]) {
      task.addRetry({
        errors: [Errors.TASKS_FAILED],
        interval: Duration.seconds(2),
        maxAttempts: 3,
        backoffRate: 2,
      });
    }

    const route = new Choice(this, LINE_STATES.route)
      .when(Condition.stringEquals("$.line.status", "backordered"), waitForStock)
      .when(Condition.stringEquals("$.line.status", "allocated"), charge)
      .when(
        Condition.stringEquals("$.line.status", "charged"),
        new Succeed(this, LINE_STATES.charged),
      )
      .when(
        Condition.or(
          Condition.stringEquals("$.line.status", "delivered"),
          Condition.stringEquals("$.line.status", "cancelled"),
        ),
        new Succeed(this, LINE_STATES.finished),
      )
      .otherwise(
        new Fail(this, LINE_STATES.unhandled, {
          error: "LineStatusNotHandled",
          causePath: "$.line.status",
        }),
      );

    // An email that cannot be sent must not hold the line up.
    notifyBackordered.addCatch(load, { errors: [Errors.ALL], resultPath: "$.notifyError" });
    notifyBackordered.next(load);
    const start = new Choice(this, LINE_STATES.start, {
      comment: "A line backordered at intake starts by making sure its customer was told",
    })
      .when(
        Condition.and(
          Condition.isPresent("$.notify"),
          Condition.stringEquals("$.notify", "backordered"),
        ),
        notifyBackordered,
      )
      .otherwise(load);

    waitForStock.addCatch(escalate, { errors: [Errors.TIMEOUT], resultPath: "$.timeout" });
    waitForStock.addCatch(load, { errors: [LINE_CHANGED_ERROR], resultPath: "$.changed" });
    waitForStock.next(load);
    escalate.next(load);
    charge.next(load);
    load.next(route);

    const logGroup = new LogGroup(this, "Logs", {
      retention: RetentionDays.ONE_MONTH,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    this.stateMachine = new StateMachine(this, "LineStateMachine", {
      stateMachineType: StateMachineType.STANDARD,
      definitionBody: DefinitionBody.fromChainable(start),
      comment: "One execution per order line: wait for stock, charge, ship, notify",
      tracingEnabled: true,
      logs: { destination: logGroup, level: LogLevel.ALL, includeExecutionData: true },
    });
  }
}
