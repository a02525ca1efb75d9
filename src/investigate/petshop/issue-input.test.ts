import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { CallGraph } from "../analysis/call-graph.ts";
import { issueInput, NormalBaselines, petshopDirection, rowStep } from "./issue-input.ts";
import type { MetricsTable } from "./metrics-csv.ts";

const S = 300_000;
const column = (node: string, metric: string, values: number[]) => ({
  node,
  metric,
  statistic: "Average",
  values: Float64Array.from(values),
});
const normal: MetricsTable = {
  timestamps: Array.from({ length: 20 }, (_, i) => i * S),
  columns: [
    column(
      "a",
      "latency",
      Array.from({ length: 20 }, (_, i) => 1 + (i % 2) * 0.1),
    ),
    column("a", "availability", Array(20).fill(100)),
    column("b", "latency", Array(20).fill(Number.NaN)),
  ],
};
const issue: MetricsTable = {
  timestamps: [0, S, 2 * S, 3 * S].map((t) => 1e12 + t),
  columns: [
    column("a", "latency", [1, 1, 3, 3]),
    column("a", "availability", [100, 100, 50, 100]),
    column("b", "latency", [1, 1, 9, 9]),
    column("c", "latency", [1, 1, 1, 1]),
  ],
};
const baselines = new NormalBaselines(normal, { minBaselineSamples: 10, relativeScaleFloor: 1e-3 });

describe("issueInput", () => {
  it("measures the target's metric and statistic of every node that has a baseline, around the target's time", () => {
    const input = issueInput(
      new CallGraph([]),
      baselines,
      issue,
      { node: "a", metric: "latency", statistic: "Average", at: 1e12 + 2 * S + 1 },
      { threshold: 3, fallbackStep: S },
    );
    // b has no normal values and c no normal column: neither can be judged.
    assert.deepEqual(
      input.metrics.map((m) => m.id),
      ["metric:a:latency:Average"],
    );
    const d = input.metrics[0]?.departure;
    assert.equal(d?.samplesDuring, 2);
    assert.equal(d?.departedAt, 1e12 + 2 * S);
    assert.equal(input.symptom, "a");
    assert.equal(input.onsetAt, 1e12 + 2 * S + 1);
    assert.match(input.metrics[0]?.summary ?? "", /^a latency \(Average\): peak \S+ scales above its normal/);
  });

  it("judges availability downwards", () => {
    const input = issueInput(
      new CallGraph([]),
      baselines,
      issue,
      { node: "a", metric: "availability", statistic: "Average", at: 1e12 + 2 * S + 1 },
      { threshold: 3, fallbackStep: S },
    );
    assert.equal(input.metrics[0]?.departure.peak, 500, "a 50-point drop from a flat 100 is 500 scales of 0.1");
  });
});

describe("petshop helpers", () => {
  it("maps metrics to the direction that is bad", () => {
    assert.equal(petshopDirection("latency"), "up");
    assert.equal(petshopDirection("availability"), "down");
    assert.equal(petshopDirection("requests"), "both");
  });

  it("takes the median spacing of rows as the step", () => {
    assert.equal(rowStep({ timestamps: [0, 300, 600, 1000], columns: [] }), 300);
    assert.equal(rowStep({ timestamps: [5], columns: [] }), undefined);
  });
});
