import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { SluiceMetrics } from "../metrics.ts";
import { histogramQuantile, readOverview } from "./overview.ts";

describe("overview figures", () => {
  it("interpolates a quantile within its bucket like histogram_quantile()", () => {
    const buckets = [
      { le: 1, count: 10 },
      { le: 2, count: 30 },
      { le: Number.POSITIVE_INFINITY, count: 40 },
    ];
    assert.equal(histogramQuantile(0.25, buckets), 1, "rank 10 of 40: the top of the first bucket");
    assert.equal(histogramQuantile(0.5, buckets), 1.5);
    assert.equal(histogramQuantile(0.99, buckets), 2, "beyond the last finite bound");
    assert.equal(histogramQuantile(0.5, []), null);
  });

  it("reads the funnel, latency, MTTA, MTTR and noise reduction from the metrics", async () => {
    const metrics = new SluiceMetrics({ processMetrics: false });
    metrics.pipeline.signals("accepted", 100);
    metrics.pipeline.signals("gated", 10);
    metrics.pipeline.signals("suppressed", 5);
    metrics.pipeline.signals("deduplicated", 70);
    metrics.pipeline.signals("opened", 15);
    metrics.delivery.outcome("jira", "delivered");
    metrics.delivery.outcome("jira", "retry");
    metrics.delivery.outcome("slack", "delivered");
    metrics.delivery.latency("jira", 200);
    metrics.delivery.latency("slack", 800);
    metrics.lifecycle.settled("acknowledged", "high", 60);
    metrics.lifecycle.settled("acknowledged", "low", 120);
    metrics.lifecycle.settled("resolved", "high", 600);
    const empty = await readOverview(new SluiceMetrics({ processMetrics: false }).registry);
    assert.deepEqual(empty.signalToTicketSeconds, { count: 0, p50: null, p90: null, p99: null });
    assert.equal(empty.mttaSeconds, null);
    const overview = await readOverview(metrics.registry);
    assert.deepEqual(overview.funnel, { signals: 100, gated: 15, deduplicated: 70, incidents: 15, deliveries: 2 });
    assert.equal(overview.signalToTicketSeconds.count, 2, "both platforms' deliveries");
    assert.ok((overview.signalToTicketSeconds.p50 ?? 0) > 0.1 && (overview.signalToTicketSeconds.p50 ?? 1) <= 0.25);
    assert.ok((overview.signalToTicketSeconds.p99 ?? 0) > 0.5 && (overview.signalToTicketSeconds.p99 ?? 2) <= 1);
    assert.equal(overview.mttaSeconds, 90);
    assert.equal(overview.mttrSeconds, 600);
    assert.equal(overview.noiseReduction, 0.85);
  });
});
