import { Metrics, MetricUnit } from "@aws-lambda-powertools/metrics";
import { type BusinessMetrics, METRICS_NAMESPACE } from "../ports/metrics.ts";

let metrics: Metrics | undefined;

/**
 * Business metrics as CloudWatch embedded metric format (Powertools Metrics): each count is
 * written to the function's log at once, and CloudWatch makes it a metric, dimensioned by
 * the stage (`BACKORDER_STAGE`). `POWERTOOLS_METRICS_DISABLED=true` turns them off (the
 * local stack does, unless asked).
 */
export const cloudWatchMetrics: BusinessMetrics = {
  count(metric, n = 1) {
    if (n <= 0) return;
    try {
      metrics ??= new Metrics({
        namespace: METRICS_NAMESPACE,
        serviceName: "backorder-engine",
        defaultDimensions: { stage: process.env.BACKORDER_STAGE ?? "local" },
      });
      metrics.addMetric(metric, MetricUnit.Count, n);
      metrics.publishStoredMetrics();
    } catch {
      // A metric is never worth a failed step.
    }
  },
};
