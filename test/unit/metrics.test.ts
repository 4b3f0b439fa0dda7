import { afterEach, describe, expect, it, vi } from "vitest";
import { cloudWatchMetrics } from "../../shared/adapters/metrics.ts";

describe("business metrics on AWS (embedded metric format)", () => {
  afterEach(() => vi.restoreAllMocks());

  it("writes each count as a CloudWatch metric of the engine's namespace, by stage", () => {
    const written: string[] = [];
    vi.spyOn(process.stdout, "write").mockImplementation((chunk) => {
      written.push(String(chunk));
      return true;
    });
    const before = { ...process.env };
    Object.assign(process.env, { BACKORDER_STAGE: "prod", POWERTOOLS_METRICS_DISABLED: "false" });
    try {
      cloudWatchMetrics.count("LinesBackordered", 3);
    } finally {
      process.env = before;
    }
    const emf = written.map((line) => JSON.parse(line)).find((o) => o._aws);
    expect(emf).toMatchObject({
      LinesBackordered: 3,
      stage: "prod",
      service: "backorder-engine",
      _aws: {
        CloudWatchMetrics: [
          {
            Namespace: "BackorderEngine",
            Metrics: [{ Name: "LinesBackordered", Unit: "Count" }],
          },
        ],
      },
    });
    expect(emf._aws.CloudWatchMetrics[0].Dimensions[0]).toEqual(
      expect.arrayContaining(["service", "stage"]),
    );
  });
});
