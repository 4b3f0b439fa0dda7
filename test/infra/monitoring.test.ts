import { beforeAll, describe, expect, it } from "vitest";
import { readStackTemplate } from "../../infra/assembly.ts";
import { FUNCTION_METADATA_KEY } from "../../infra/constructs/function-metadata.ts";
import { DEFAULT_TIMEOUT_SECONDS } from "../../infra/constructs/functions.ts";
import { METRICS_NAMESPACE } from "../../infra/constructs/monitoring.ts";
import { FUNCTIONS, type FunctionName, type FunctionSpec } from "../../shared/http/routes.ts";

type Json = Record<string, unknown>;
interface Resource {
  Type: string;
  Properties?: Json;
  Metadata?: Json;
}
interface MetricRef {
  MetricName?: string;
  Namespace?: string;
  Dimensions?: { Name: string; Value: unknown }[];
}

let resources: Record<string, Resource>;
beforeAll(() => {
  resources = readStackTemplate<{ Resources: Record<string, Resource> }>().Resources;
});

const ofType = (type: string) => Object.entries(resources).filter(([, r]) => r.Type === type);
const alarms = () => ofType("AWS::CloudWatch::Alarm").map(([, r]) => r.Properties as Json);

/** The metrics an alarm watches: its own, or those of its math expression. */
function metricsOf(alarm: Json): MetricRef[] {
  if (alarm.MetricName) return [alarm as MetricRef];
  return ((alarm.Metrics as { MetricStat?: { Metric: MetricRef } }[] | undefined) ?? []).flatMap(
    (m) => (m.MetricStat ? [m.MetricStat.Metric] : []),
  );
}

function alarmsOn(namespace: string, metricName: string, dimension?: [string, unknown]): Json[] {
  return alarms().filter((a) =>
    metricsOf(a).some(
      (m) =>
        m.Namespace === namespace &&
        m.MetricName === metricName &&
        (!dimension ||
          (m.Dimensions ?? []).some(
            (d) =>
              d.Name === dimension[0] && JSON.stringify(d.Value) === JSON.stringify(dimension[1]),
          )),
    ),
  );
}

const ref = (logicalId: string) => ({ Ref: logicalId });

describe("alarms and the dashboard", () => {
  it("send every alarm, and its return to OK, to one encrypted topic", () => {
    const [topic] = ofType("AWS::SNS::Topic");
    expect(topic).toBeDefined();
    const [topicId, topicResource] = topic as [string, Resource];
    expect(topicResource.Properties?.KmsMasterKeyId).toBeDefined();
    expect(alarms().length).toBeGreaterThan(60);
    for (const alarm of alarms()) {
      expect(alarm.AlarmActions, String(alarm.AlarmName)).toEqual([ref(topicId)]);
      expect(alarm.OKActions, String(alarm.AlarmName)).toEqual([ref(topicId)]);
    }
  });

  it("watch each state machine's failed, timed-out, aborted and throttled executions", () => {
    const machines = ofType("AWS::StepFunctions::StateMachine").map(([id]) => id);
    expect(machines).toHaveLength(2);
    for (const machine of machines) {
      for (const metric of [
        "ExecutionsFailed",
        "ExecutionsTimedOut",
        "ExecutionsAborted",
        "ExecutionThrottled",
      ]) {
        expect(
          alarmsOn("AWS/States", metric, ["StateMachineArn", ref(machine)]),
          `${machine} ${metric}`,
        ).toHaveLength(1);
      }
    }
  });

  it("watch each function's errors and throttles, and its p99 duration against its timeout", () => {
    const functions = ofType("AWS::Lambda::Function").filter(
      ([, r]) => typeof r.Metadata?.[FUNCTION_METADATA_KEY] === "string",
    );
    expect(functions).toHaveLength(Object.keys(FUNCTIONS).length);
    for (const [id, fn] of functions) {
      const name = fn.Metadata?.[FUNCTION_METADATA_KEY] as FunctionName;
      const dimension: [string, unknown] = ["FunctionName", ref(id)];
      const errors = alarmsOn("AWS/Lambda", "Errors", dimension);
      expect(errors, name).toHaveLength(1);
      expect(metricsOf(errors[0] as Json).map((m) => m.MetricName)).toEqual([
        "Errors",
        "Throttles",
      ]);
      const [duration] = alarmsOn("AWS/Lambda", "Duration", dimension);
      const spec: FunctionSpec = FUNCTIONS[name];
      expect(duration?.ExtendedStatistic, name).toBe("p99");
      expect(duration?.Threshold, name).toBe(
        (spec.timeoutSeconds ?? DEFAULT_TIMEOUT_SECONDS) * 1000 * 0.8,
      );
    }
  });

  it("watch the API's 5xx and latency, DynamoDB's throttles and system errors, SES's reputation, dead letters and lines past their promise", () => {
    expect(alarmsOn("AWS/ApiGateway", "5xx")).toHaveLength(1);
    expect(alarmsOn("AWS/ApiGateway", "Latency")).toHaveLength(1);
    expect(alarmsOn("AWS/DynamoDB", "ThrottledRequests").length).toBe(1);
    expect(alarmsOn("AWS/DynamoDB", "SystemErrors").length).toBe(1);
    expect(alarmsOn("AWS/SES", "Reputation.BounceRate")).toHaveLength(1);
    expect(alarmsOn("AWS/SES", "Reputation.ComplaintRate")).toHaveLength(1);
    const queues = ofType("AWS::SQS::Queue").map(([id]) => id);
    expect(queues.length).toBeGreaterThan(0);
    for (const queue of queues) {
      expect(
        alarmsOn("AWS/SQS", "ApproximateNumberOfMessagesVisible", [
          "QueueName",
          { "Fn::GetAtt": [queue, "QueueName"] },
        ]),
        queue,
      ).toHaveLength(1);
    }
    expect(alarmsOn(METRICS_NAMESPACE, "LinesPastPromise")).toHaveLength(1);
  });

  it("has a dashboard", () => {
    expect(ofType("AWS::CloudWatch::Dashboard")).toHaveLength(1);
  });
});
