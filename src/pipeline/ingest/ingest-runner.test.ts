import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { ManualClock } from "../../core/clock.ts";
import { isSluiceError, SluiceError } from "../../core/errors.ts";
import type { ChangeSet, Store } from "../../core/ports/store.ts";
import type { Signal } from "../../core/signal.ts";
import { SqliteStore } from "../../store/sqlite/sqlite-store.ts";
import { signal } from "../../testing/store-contract.ts";
import { IngestRunner } from "./ingest-runner.ts";
import { noMetrics } from "./pipeline-metrics.ts";

// A store whose next `failures` writes fail with `error` (default: as a lost database connection would).
function failingWrites(
  store: SqliteStore,
  failures: number,
  error = () => new Error("connection terminated unexpectedly"),
): Store {
  let left = failures;
  const apply = async (changes: ChangeSet) => {
    if (left-- > 0) throw error();
    return store.apply(changes);
  };
  return Object.assign(Object.create(store) as Store, { apply, applyThenSync: undefined });
}

// A store that records how many signals each transaction wrote.
function countingBatches(store: SqliteStore, sizes: number[]): Store {
  const apply = async (changes: ChangeSet) => {
    sizes.push(changes.signals.length);
    return store.apply(changes);
  };
  return Object.assign(Object.create(store) as Store, { apply, applyThenSync: undefined });
}

function runnerOver(store: Store, extra: Partial<ConstructorParameters<typeof IngestRunner>[0]> = {}): IngestRunner {
  return new IngestRunner({
    ...extra,
    store,
    clock: new ManualClock(signal().receivedAt),
    metrics: noMetrics,
    gateRules: { minimumScore: 0.5, maintenance: [] },
    lookbackMs: 15 * 60_000,
    route: () => ({ platforms: [], rule: "severity:high", unavailable: [] }),
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

  it("plans again while other writers win, and past its attempts refuses the batch as retryable (503), storing nothing", async () => {
    const sqlite = await SqliteStore.open({ dataDir: ":memory:", synchronous: "normal" });
    try {
      const raced = () => new SluiceError("CONFLICT", "incident x changed concurrently; retry");
      const [stored] = await runnerOver(failingWrites(sqlite, 7, raced)).submit([problem(1)]);
      assert.equal(stored?.outcome, "opened", "seven lost races, then the eighth plan commits");
      const batch = [problem(2)];
      await assert.rejects(runnerOver(failingWrites(sqlite, 8, raced)).submit(batch), (error: unknown) => {
        assert.ok(isSluiceError(error));
        // Alertmanager and Grafana drop a webhook answered with 4xx: OVERLOADED is their retryable 503.
        assert.equal(error.code, "OVERLOADED");
        assert.match(error.message, /kept changing under 8 attempts.*nothing was stored, retry/);
        return true;
      });
      assert.equal((await sqlite.signals.existing([batch[0] as Signal])).size, 0);
    } finally {
      await sqlite.close();
    }
  });

  it("opens a new incident for a problem that recurs after a gap longer than lookbackWindow, resolving the old one", async () => {
    const sqlite = await SqliteStore.open({ dataDir: ":memory:", synchronous: "normal" });
    try {
      const runner = runnerOver(sqlite);
      const minute = 60_000;
      const at = (offset: number, n: number) => ({ ...problem(n), occurredAt: signal().receivedAt + offset });
      const [first] = await runner.submit([at(-30 * minute, 1)]);
      // 20 minutes later, past the 15-minute lookback: refused forever before, while the old one stayed open.
      const [recurring, bystander] = await runner.submit([at(-10 * minute, 2), signal({ service: "ledger", score: 0.9 })]);
      assert.equal(first?.outcome, "opened");
      assert.equal(recurring?.outcome, "opened");
      assert.notEqual(recurring?.incident, first?.incident);
      assert.equal(bystander?.outcome, "opened");
      const old = await sqlite.incidents.get(first?.incident ?? "");
      assert.equal(old?.state, "resolved");
    } finally {
      await sqlite.close();
    }
  });

  it("with sliceMs, sizes batches from the measured time per signal, so an incident storm is applied a few signals per transaction", async () => {
    const sqlite = await SqliteStore.open({ dataDir: ":memory:", synchronous: "normal" });
    // Every signal opens an incident whose enrichment takes 2 ms of the event loop, as a costly incident would.
    const enrich = async () => {
      const until = performance.now() + 2;
      while (performance.now() < until) {}
      return {};
    };
    const storm = (n: number) =>
      Array.from({ length: n }, (_, i) => signal({ service: `svc-${i}`, message: `failure ${i}`, score: 0.9 }));
    try {
      const sliced: number[] = [];
      const runner = runnerOver(countingBatches(sqlite, sliced), { enrich, sliceMs: 6 });
      const results = await Promise.all(storm(60).map((s) => runner.submit([s])));
      assert.ok(results.every(([r]) => r?.outcome === "opened"));
      assert.equal(
        sliced.reduce((a, b) => a + b, 0),
        60,
      );
      // The first batch is sized from the default estimate; once measured, about 6 ms / 2 ms = 3 signals each.
      assert.ok(sliced.length >= 10, `batches: ${sliced.join(",")}`);
      assert.ok(Math.max(...sliced.slice(2)) <= 4, `batches: ${sliced.join(",")}`);

      // With no request arriving (a backlog to work through), everything waiting goes in one transaction.
      const whole: number[] = [];
      const unbounded = runnerOver(countingBatches(sqlite, whole), { enrich, sliceMs: 6, requestsArriving: () => false });
      await Promise.all(storm(30).map((s) => unbounded.submit([{ ...s, service: `other-${s.service}` }])));
      assert.deepEqual(whole, [30]);

      // The log at its bounds (pressure 1): batches sized to sliceBehindMs, as catching up matters more than the
      // next acknowledgement's wait; bounded in time all the same: once measured, about 30 ms / 2 ms = 15 signals
      // a batch, not all 200 at once nor the 3 of sliceMs. (Compared with the sliceMs batches above, measured on
      // the same machine, so a loaded machine's slower signals move both alike.)
      const behind: number[] = [];
      const share = { pressure: () => 1, turn: async () => {}, ran: () => {} };
      const lagging = runnerOver(countingBatches(sqlite, behind), { enrich, sliceMs: 6, sliceBehindMs: 30, share });
      const stale = storm(200).map((s) => ({ ...s, service: `late-${s.service}` }));
      await Promise.all(stale.map((s) => lagging.submit([s])));
      // The estimate starts at 0.5 ms a signal and follows the measured 2 ms within a few batches.
      const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? 0;
      const settled = behind.slice(5, -1);
      assert.ok(settled.length >= 3 && Math.max(...settled) <= 20, `batches: ${behind.join(",")}`);
      assert.ok(
        median(settled) >= 3 * median(sliced.slice(2)),
        `batches at the bounds: ${behind.join(",")}; at sliceMs: ${sliced.join(",")}`,
      );
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
