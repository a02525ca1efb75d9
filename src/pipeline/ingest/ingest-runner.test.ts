import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { ManualClock } from "../../core/clock.ts";
import type { Signal } from "../../core/signal.ts";
import { SqliteStore } from "../../store/sqlite/sqlite-store.ts";
import type { ChangeSet, Store } from "../../store/store.ts";
import { signal } from "../../store/store-contract.ts";
import { IngestRunner } from "./ingest-runner.ts";
import { noMetrics } from "./pipeline-metrics.ts";

// A store whose next `failures` writes fail as a lost database connection would.
function failingWrites(store: SqliteStore, failures: number): Store {
  let left = failures;
  const apply = async (changes: ChangeSet) => {
    if (left-- > 0) throw new Error("connection terminated unexpectedly");
    return store.apply(changes);
  };
  return Object.assign(Object.create(store) as Store, { apply, applyThenSync: undefined });
}

function runnerOver(store: Store): IngestRunner {
  return new IngestRunner({
    store,
    clock: new ManualClock(signal().receivedAt),
    metrics: noMetrics,
    gateRules: { minimumScore: 0.5, maintenance: [] },
    lookbackMs: 15 * 60_000,
    route: () => ({ platforms: [], rule: "severity:high", unavailable: [] }),
    onDeliveriesQueued: () => {},
  });
}

const problem = (n: number): Signal =>
  signal({ message: `payment p.${n} declined by gateway g.eu after ${n} retries`, errorPattern: "", score: 0.9 });

describe("ingest runner", () => {
  it("gives a batch submitted again after a failed write the incident it would have had (same pattern id)", async () => {
    const sqlite = await SqliteStore.open({ dataDir: ":memory:", synchronous: "normal" });
    try {
      const runner = runnerOver(failingWrites(sqlite, 1));
      const batch = [problem(3)];
      await assert.rejects(runner.submit(batch), /connection terminated/);
      // The Kafka source and HTTP clients retry with what they sent: here, the very same objects.
      const [retried] = await runner.submit(batch);
      assert.equal(retried?.outcome, "opened");
      const [later] = await runner.submit([problem(12)]);
      assert.deepEqual([later?.outcome, later?.incident], ["deduplicated", retried?.incident]);
      assert.equal(batch[0]?.errorPattern, "payment <*> declined by gateway g.eu after <*> retries");
    } finally {
      await sqlite.close();
    }
  });

  it("keeps a pattern a source sent (an alert's identity) as the key, without mining", async () => {
    const sqlite = await SqliteStore.open({ dataDir: ":memory:", synchronous: "normal" });
    try {
      const runner = runnerOver(sqlite);
      const alert = (message: string) => signal({ message, errorPattern: "alert:HighLatency", score: 0.9 });
      const [first] = await runner.submit([alert("p99 is 2.3s")]);
      const [second] = await runner.submit([alert("checkout is failing")]);
      assert.equal(first?.outcome, "opened");
      assert.deepEqual([second?.outcome, second?.incident], ["deduplicated", first?.incident]);
    } finally {
      await sqlite.close();
    }
  });
});
