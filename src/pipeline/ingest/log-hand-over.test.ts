// logged: an append the consumer has room for is applied from memory, and a crash in between loses nothing.
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { it } from "node:test";
import { ManualClock } from "../../core/clock.ts";
import type { Signal } from "../../core/signal.ts";
import { SqliteStore } from "../../store/sqlite/sqlite-store.ts";
import { signal } from "../../testing/store-contract.ts";
import { IngestRunner } from "./ingest-runner.ts";
import { LogConsumer } from "./log-consumer.ts";
import { LogIntake } from "./log-intake.ts";
import { noMetrics } from "./pipeline-metrics.ts";

const problem = (n: number): Signal =>
  signal({ service: `svc-${n}`, message: `payment declined after ${n} retries`, errorPattern: "", score: 0.9 });

function pipelineOver(store: SqliteStore) {
  const runner = new IngestRunner({
    store,
    clock: new ManualClock(signal().receivedAt),
    metrics: noMetrics,
    gateRules: { minimumScore: 0.5, maintenance: [] },
    lookbackMs: 15 * 60_000,
    route: () => ({ platforms: [], rule: "severity:high", unavailable: [] }),
  });
  const consumer = new LogConsumer({
    log: store.ingestLog,
    runner,
    metrics: { applied: () => {}, deadLettered: () => {} },
    batchEntries: 10,
    leaseMs: 60_000,
    maxAttempts: 3,
    pollMs: 60_000,
  });
  return { runner, consumer };
}

const intakeOver = (store: SqliteStore, consumer: ConstructorParameters<typeof LogIntake>[0]["consumer"], runner: IngestRunner) =>
  new LogIntake({
    log: store.ingestLog,
    consumer,
    runner,
    backlog: { admit: () => {}, appended: () => {} },
    redact: () => {},
    acknowledge: "logged",
  });

const storedSignals = (store: SqliteStore) =>
  store.incidents.list({ limit: 100 }).then(({ items }) => items.reduce((n, i) => n + i.signalCount, 0));

it("logged: appends the consumer has room for are applied from memory, never claimed from the log", async () => {
  const store = await SqliteStore.open({ dataDir: ":memory:", synchronous: "normal" });
  try {
    const { runner, consumer } = pipelineOver(store);
    const claimed: number[] = [];
    const claim = store.ingestLog.claim.bind(store.ingestLog);
    store.ingestLog.claim = async (...args) => {
      const entries = await claim(...args);
      claimed.push(...entries.map((e) => e.position));
      return entries;
    };
    const intake = intakeOver(store, consumer, runner);
    const results = await Promise.all([1, 2, 3].map((n) => intake.submit([problem(n)])));
    assert.deepEqual(
      results.flat().map((r) => r.outcome),
      ["queued", "queued", "queued"],
    );
    await consumer.drain();
    await runner.flush();
    assert.equal(await storedSignals(store), 3, "every acknowledged signal applied");
    assert.deepEqual(claimed, [], "none had to be claimed");
    assert.deepEqual(await store.ingestLog.backlog(), { entries: 0, signals: 0, oldestAppendedAt: null });
    assert.equal(consumer.waiting, 0);
  } finally {
    await store.close();
  }
});

it("logged: a paused consumer takes nothing from memory; the entries wait in the log unclaimed", async () => {
  const store = await SqliteStore.open({ dataDir: ":memory:", synchronous: "normal" });
  try {
    const { runner, consumer } = pipelineOver(store);
    consumer.pause();
    await intakeOver(store, consumer, runner).submit([problem(1)]);
    await runner.flush();
    assert.equal(await storedSignals(store), 0);
    const [entry] = await store.ingestLog.claim(Date.now(), 10, 60_000);
    assert.equal(entry?.attempts, 1, "appended unclaimed: this is its first claim");
  } finally {
    await store.close();
  }
});

it("a crash between a handed-over append and its apply loses nothing and applies it once after the restart", async () => {
  const dir = mkdtempSync(join(tmpdir(), "sluice-hand-over-"));
  try {
    const first = await SqliteStore.open({ dataDir: dir, synchronous: "full" });
    const { runner } = pipelineOver(first);
    // The process dies after the append is on disk and before the pipeline ran it: the hand-over never runs.
    let handed = 0;
    const dying = {
      wake: () => {},
      reserve: () => Date.now() + 60_000,
      unreserve: () => {},
      handOver: () => {
        handed++;
      },
    };
    const results = await intakeOver(first, dying, runner).submit([problem(1), problem(2)]);
    assert.equal(results.length, 2);
    assert.equal(handed, 1);
    assert.equal(await storedSignals(first), 0, "acknowledged, not applied");
    await first.close();

    const second = await SqliteStore.open({ dataDir: dir, synchronous: "full" });
    try {
      const { consumer } = pipelineOver(second);
      await consumer.drain();
      assert.equal(await storedSignals(second), 2, "applied after the restart");
      assert.deepEqual(await second.ingestLog.backlog(), { entries: 0, signals: 0, oldestAppendedAt: null });
      await consumer.drain();
      assert.equal(await storedSignals(second), 2, "and only once");
    } finally {
      await second.close();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
