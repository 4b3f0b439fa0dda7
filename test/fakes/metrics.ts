import type { BusinessMetric, BusinessMetrics } from "../../shared/ports/metrics.ts";

/** Business metrics counted in memory (shared/adapters/metrics.ts writes them to CloudWatch). */
export class FakeMetrics implements BusinessMetrics {
  readonly counts = new Map<BusinessMetric, number>();

  count(metric: BusinessMetric, n = 1): void {
    if (n <= 0) return;
    this.counts.set(metric, (this.counts.get(metric) ?? 0) + n);
  }

  /** The count of a metric so far (0 when never counted). */
  of(metric: BusinessMetric): number {
    return this.counts.get(metric) ?? 0;
  }
}
