/** The namespace of the engine's own metrics (the stack's alarms and dashboard read it). */
export const METRICS_NAMESPACE = "BackorderEngine";

/**
 * The engine's business metrics, each a count of events (CloudWatch metrics in the
 * `BackorderEngine` namespace on AWS, with the stage as a dimension): lines backordered at
 * intake, lines filled from the waiting queue, charge declines, delay notices sent, lines
 * whose promise passed while they waited, and promises kept or missed when lines ship.
 */
export const BUSINESS_METRICS = [
  "LinesBackordered",
  "LinesFilled",
  "ChargeDeclines",
  "DelayNotices",
  "LinesPastPromise",
  "PromisesKept",
  "PromisesMissed",
] as const;
export type BusinessMetric = (typeof BUSINESS_METRICS)[number];

export interface BusinessMetrics {
  /** Counts `n` (1 by default) events of a metric. Never throws: a metric is never worth a
   * failed step. */
  count(metric: BusinessMetric, n?: number): void;
}
