import { ManualClock } from "../../src/core/clock.ts";
import type { Store } from "../../src/core/ports/store.ts";
import { IngestRunner } from "../../src/pipeline/ingest/ingest-runner.ts";
import { noMetrics } from "../../src/pipeline/ingest/pipeline-metrics.ts";

/**
 * A bare ingest runner over `store` for the replica suites: its clock stopped at `now`, score bar 0.5, a
 * 15-minute lookback, and routing to no platform (they count incidents and signals, not tickets).
 */
export function runnerOver(store: Store, now: number): IngestRunner {
  return new IngestRunner({
    store,
    clock: new ManualClock(now),
    metrics: noMetrics,
    gateRules: { minimumScore: 0.5, maintenance: [] },
    lookbackMs: 15 * 60_000,
    route: () => ({ platforms: [], rule: "severity:high", unavailable: [] }),
  });
}
