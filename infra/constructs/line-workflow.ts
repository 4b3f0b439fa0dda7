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
import type { LineStatus } from "../../shared/domain/line-states.ts";
import type { WaitKind } from "../../shared/domain/waits.ts";
import type { FunctionName } from "../../shared/http/routes.ts";
import { LINE_CHANGED, NOTIFICATION_IN_FLIGHT } from "../../shared/workflow/errors.ts";

/** State names of the line machine, shared with the tests that walk its paths. */
export const LINE_STATES = {
  start: "NewLine",
  notifyBackordered: "NotifyBackordered",
  load: "LoadLine",
  route: "RouteByStatus",
  waitForStock: "WaitForStock",
  escalate: "EscalateDelay",
  planShipment: "PlanShipment",
  shipmentReady: "ShipmentReady",
  waitForGroup: "WaitForShipmentGroup",
  charge: "ChargeLine",
  paymentRetry: "PaymentRetry",
  settleCharge: "ChargeInFlight",
  waitForPayment: "WaitForPaymentUpdate",
  cancelUnpaid: "CancelUnpaid",
  requestShipment: "RequestShipment",
  waitForShipped: "WaitForShipped",
  notifyShipped: "NotifyShipped",
  waitForDelivered: "WaitForDelivered",
  notifyDelivered: "NotifyDelivered",
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
  "plan-shipment",
  "charge-line",
  "cancel-unpaid",
  "request-shipment",
  "notify-shipment",
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
      stateMachineArn: JsonPath.stringAt("$$.StateMachine.Id"),
    };
    const retryable: LambdaInvoke[] = [];
    const task = (
      name: string,
      fn: (typeof WORKFLOW_FUNCTIONS)[number],
      comment: string,
      extra: Record<string, unknown> = {},
      resultPath: string | typeof JsonPath.DISCARD = JsonPath.DISCARD,
    ) => {
      const t = new LambdaInvoke(this, name, {
        lambdaFunction: fns[fn],
        payload: TaskInput.fromObject({ ...lineRef, ...extra }),
        payloadResponseOnly: true,
        resultPath,
        comment,
      });
      retryable.push(t);
      return t;
    };
    /** Parks the line on a task token until woken, or until `$.line.waitSeconds` pass. */
    const park = (name: string, wait: WaitKind, comment: string) =>
      new LambdaInvoke(this, name, {
        lambdaFunction: fns["park-line"],
        integrationPattern: IntegrationPattern.WAIT_FOR_TASK_TOKEN,
        payload: TaskInput.fromObject({ ...lineRef, taskToken: JsonPath.taskToken, wait }),
        taskTimeout: Timeout.at("$.line.waitSeconds"),
        resultPath: "$.resume",
        comment,
      });

    const notifyBackordered = task(
      LINE_STATES.notifyBackordered,
      "notify-backordered",
      "Backstop of the API's send: make sure the order's backordered email went out",
    );
    const load = task(
      LINE_STATES.load,
      "load-line",
      "Read the line's persisted status and how long it may wait next",
      {},
      "$.line",
    );
    const waitForStock = park(
      LINE_STATES.waitForStock,
      "stock",
      "Park until stock is allocated (or the line changes), or its next escalation",
    );
    const escalate = task(
      LINE_STATES.escalate,
      "escalate-line",
      "The line's timer fell due: delay notice or check-in",
      {},
      "$.escalation",
    );
    const planShipment = task(
      LINE_STATES.planShipment,
      "plan-shipment",
      "Put the allocated line in a shipment by the order's split policy, or wait for siblings",
      {},
      "$.shipment",
    );
    const waitForGroup = park(
      LINE_STATES.waitForGroup,
      "group",
      "Park until the siblings it ships with are allocated (ship_complete, last of max_shipments)",
    );
    const charge = task(
      LINE_STATES.charge,
      "charge-line",
      "Charge the line (idempotent per line and attempt); a decline waits for a new method",
      {},
      "$.charge",
    );
    const waitForPayment = park(
      LINE_STATES.waitForPayment,
      "payment",
      "Park until the customer gives a new payment method, or the payment window closes",
    );
    const cancelUnpaid = task(
      LINE_STATES.cancelUnpaid,
      "cancel-unpaid",
      "The payment window closed: cancel the line and release its units",
    );
    const requestShipment = task(
      LINE_STATES.requestShipment,
      "request-shipment",
      "Join the shipment's request to the warehouse",
    );
    const waitForShipped = park(
      LINE_STATES.waitForShipped,
      "shipped",
      "Park until the warehouse reports the shipment shipped",
    );
    const notifyShipped = task(
      LINE_STATES.notifyShipped,
      "notify-shipment",
      "The shipped email (carrier, tracking number), once per shipment",
      { kind: "shipped" },
    );
    const waitForDelivered = park(
      LINE_STATES.waitForDelivered,
      "delivered",
      "Park until the warehouse reports the shipment delivered",
    );
    const notifyDelivered = task(
      LINE_STATES.notifyDelivered,
      "notify-shipment",
      "The delivered email, once per shipment",
      { kind: "delivered" },
    );

    for (const t of retryable) {
      // Another attempt may hold an email's claim; its lease runs out in two minutes.
      if ([notifyBackordered, notifyShipped, notifyDelivered, escalate].includes(t)) {
        t.addRetry({
          errors: [NOTIFICATION_IN_FLIGHT],
          interval: Duration.seconds(60),
          maxAttempts: 4,
          backoffRate: 2,
        });
      }
      t.addRetry({
        errors: [Errors.TASKS_FAILED],
        interval: Duration.seconds(2),
        maxAttempts: 3,
        backoffRate: 2,
      });
    }

    const finished = new Succeed(this, LINE_STATES.finished);
    const status = (value: LineStatus) => Condition.stringEquals("$.line.status", value);
    const route = new Choice(this, LINE_STATES.route)
      .when(status("backordered"), waitForStock)
      .when(status("allocated"), planShipment)
      .when(
        status("awaiting_payment"),
        new Choice(this, LINE_STATES.paymentRetry)
          .when(Condition.booleanEquals("$.line.retryCharge", true), charge)
          .otherwise(waitForPayment),
      )
      .when(status("charged"), requestShipment)
      .when(status("shipment_requested"), waitForShipped)
      .when(status("shipped"), notifyShipped)
      .when(status("delivered"), notifyDelivered)
      .when(
        status("cancelled"),
        new Choice(this, LINE_STATES.settleCharge, {
          comment: "Cancelled while a charge was in flight: settle it (and refund) first",
        })
          .when(Condition.booleanEquals("$.line.retryCharge", true), charge)
          .otherwise(finished),
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

    // Every park reloads the line when woken, when told it changed, or when its time is up;
    // a waiting line's timeout is its escalation, a declined line's its payment window.
    waitForStock.addCatch(escalate, { errors: [Errors.TIMEOUT], resultPath: "$.timeout" });
    waitForPayment.addCatch(cancelUnpaid, { errors: [Errors.TIMEOUT], resultPath: "$.timeout" });
    for (const wait of [
      waitForStock,
      waitForGroup,
      waitForPayment,
      waitForShipped,
      waitForDelivered,
    ]) {
      wait.addCatch(load, { errors: [LINE_CHANGED_ERROR], resultPath: "$.changed" });
      if (wait !== waitForStock && wait !== waitForPayment) {
        wait.addCatch(load, { errors: [Errors.TIMEOUT], resultPath: "$.timeout" });
      }
      wait.next(load);
    }
    escalate.next(load);
    cancelUnpaid.next(load);
    planShipment.next(
      new Choice(this, LINE_STATES.shipmentReady)
        .when(Condition.booleanEquals("$.shipment.ready", true), charge)
        .otherwise(waitForGroup),
    );
    charge.next(load);
    requestShipment.next(load);
    notifyShipped.next(waitForDelivered);
    notifyDelivered.next(finished);
    load.next(route);

    const logGroup = new LogGroup(this, "Logs", {
      retention: RetentionDays.ONE_MONTH,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    this.stateMachine = new StateMachine(this, "LineStateMachine", {
      stateMachineType: StateMachineType.STANDARD,
      definitionBody: DefinitionBody.fromChainable(start),
      comment: "One execution per order line: wait for stock, ship by policy, charge, ship, notify",
      tracingEnabled: true,
      logs: { destination: logGroup, level: LogLevel.ALL, includeExecutionData: true },
    });
  }
}
