import assert from "node:assert/strict";
import { afterEach, beforeEach, describe, it } from "node:test";
import { ManualClock } from "../../core/clock.ts";
import { SluiceError } from "../../core/errors.ts";
import { LogEntryGone } from "../../core/ports/ingest-log.ts";
import type { Signal } from "../../core/signal.ts";
import { SqliteStore } from "../../store/sqlite/sqlite-store.ts";
import { signal } from "../../testing/store-contract.ts";
import { type IngestResult, IngestRunner, type SubmitOptions } from "./ingest-runner.ts";
import { LogConsumer, type LogConsumerOptions } from "./log-consumer.ts";
import type { LogMetrics } from "./log-metrics.ts";
import { noMetrics } from "./pipeline-metrics.ts";

function runnerOver(store: SqliteStore): IngestRunner {
  return new IngestRunner({
    store,
    clock: new ManualClock(signal().receivedAt),
    metrics: noMetrics,
    gateRules: { minimumScore: 0.5, maintenance: [] },
    lookbackMs: 15 * 60_000,
    route: () => ({ platforms: [], rule: "severity:high", unavailable: [] }),
  });
}

const problem = (n: number, fields: Partial<Signal> = {}): Signal =>
  signal({
    service: `svc-${n}`,
    message: `payment declined by gateway after ${n} retries`,
    errorPattern: "",
    score: 0.9,
    ...fields,
  });

function recordingMetrics() {
  const dead: [string, number][] = [];
  const lags: number[] = [];
  const metrics: LogMetrics = {
    applied: (seconds) => lags.push(...seconds),
    deadLettered: (cause, signals) => dead.push([cause, signals]),
  };
  return { metrics, dead, lags };
}

/** A consumer of the store's log with the tests' usual settings; each test overrides what it is about. */
function consumerOver(
  store: SqliteStore,
  runner: LogConsumerOptions["runner"],
  fields: Partial<LogConsumerOptions> = {},
): LogConsumer {
  return new LogConsumer({
    log: store.ingestLog,
    runner,
    metrics: recordingMetrics().metrics,
    batchEntries: 10,
    leaseMs: 60_000,
    maxAttempts: 3,
    pollMs: 1000,
    ...fields,
  });
}

async function append(store: SqliteStore, ...entries: Signal[][]): Promise<number[]> {
  const { positions, durable } = await store.ingestLog.append(
    entries.map((signals) => ({
      source: "api",
      appendedAt: Date.now(),
      signalCount: signals.length,
      body: JSON.stringify(signals),
      leaseUntil: 0,
    })),
  );
  await durable;
  return positions;
}

const storedSignals = (store: SqliteStore) =>
  store.incidents.list({ limit: 100 }).then(({ items }) => items.reduce((n, i) => n + i.signalCount, 0));

describe("ingest-log consumer", () => {
  let store: SqliteStore;
  beforeEach(async () => {
    store = await SqliteStore.open({ dataDir: ":memory:", synchronous: "normal" });
  });
  afterEach(() => store.close());

  it("applies what the log holds in position order and deletes each entry with its effects", async () => {
    const runner = runnerOver(store);
    const { metrics, lags } = recordingMetrics();
    await append(store, [problem(1)], [problem(2), problem(2)], [problem(3)]);
    assert.deepEqual(await store.ingestLog.backlog().then((b) => [b.entries, b.signals]), [3, 4]);
    const consumer = consumerOver(store, runner, { metrics, batchEntries: 2 });
    await consumer.drain();
    const { items } = await store.incidents.list({ limit: 10 });
    assert.deepEqual(items.map((i) => i.signalCount).sort(), [1, 1, 2]);
    assert.deepEqual(await store.ingestLog.backlog(), { entries: 0, signals: 0, oldestAppendedAt: null });
    assert.equal(lags.length, 3, "each entry's lag from its append is observed");
  });

  it("applies an entry once when two consumers race for it: the loser's transaction writes nothing", async () => {
    const [position] = await append(store, [problem(7)]);
    const signals = () => JSON.parse(JSON.stringify([problem(7, { sourceId: "same-upstream-id" })])) as Signal[];
    const [one, two] = [runnerOver(store), runnerOver(store)];
    const outcomes = await Promise.allSettled([
      one.submit(signals(), { redacted: true, consume: [position as number] }),
      two.submit(signals(), { redacted: true, consume: [position as number] }),
    ]);
    assert.deepEqual(
      outcomes.map((o) => o.status),
      ["fulfilled", "rejected"],
    );
    assert.ok((outcomes[1] as PromiseRejectedResult).reason instanceof LogEntryGone);
    assert.equal(await storedSignals(store), 1, "one signal stored, one incident counting it once");
  });

  it("splits an entry that fails, dead-letters the one signal that cannot be applied and applies the rest", async () => {
    const real = runnerOver(store);
    // A signal the pipeline trips over (as a bug it triggers would): a TypeError for any batch holding it.
    const runner = {
      submit(signals: Signal[], options?: SubmitOptions): Promise<IngestResult[]> {
        if (signals.some((s) => s.title === "poison"))
          return Promise.reject(new TypeError("cannot read properties of undefined"));
        return real.submit(signals, options);
      },
    };
    const { metrics, dead } = recordingMetrics();
    await append(store, [problem(1)], [problem(2), problem(9, { title: "poison" }), problem(3)], [problem(4)]);
    const consumer = consumerOver(store, runner, { metrics });
    await consumer.drain();
    assert.deepEqual(await store.ingestLog.backlog().then((b) => b.entries), 0, "nothing left waiting or retried forever");
    assert.equal(await storedSignals(store), 4, "the poison's neighbours, before and after it, were applied");
    assert.deepEqual(dead, [["rejected", 1]]);
    const [letter] = await store.ingestLog.deadLetters(10);
    assert.equal(letter?.signalCount, 1);
    assert.match(letter?.reason ?? "", /TypeError: cannot read properties of undefined/);
  });

  it("retries a failure that may pass with backoff, and dead-letters it after maxAttempts", async () => {
    let now = Date.now();
    const real = runnerOver(store);
    let overloaded = true;
    const runner = {
      submit(signals: Signal[], options?: SubmitOptions): Promise<IngestResult[]> {
        if (signals.some((s) => s.service === "svc-5") && overloaded)
          return Promise.reject(new SluiceError("OVERLOADED", "contended"));
        return real.submit(signals, options);
      },
    };
    const { metrics, dead } = recordingMetrics();
    await append(store, [problem(5)], [problem(6)]);
    const consumer = consumerOver(store, runner, { metrics, now: () => now });
    await consumer.drain();
    assert.equal(await storedSignals(store), 1, "the entry behind the failing one was applied");
    assert.equal((await store.ingestLog.backlog()).entries, 1, "released, not dead-lettered, after one failure");
    await consumer.drain();
    assert.equal((await store.ingestLog.backlog()).entries, 1, "not claimed again before its backoff");
    for (let attempt = 2; attempt <= 3; attempt++) {
      now += 60_000;
      await consumer.drain();
    }
    assert.deepEqual(dead, [["attempts", 1]]);
    assert.match((await store.ingestLog.deadLetters(1))[0]?.reason ?? "", /failed 3 times; last: contended/);
    assert.equal((await store.ingestLog.backlog()).entries, 0);
    overloaded = false;
  });

  it("dead-letters an entry whose body is not signals, counting it as unreadable", async () => {
    const { positions } = await store.ingestLog.append([
      { source: "api", appendedAt: Date.now(), signalCount: 2, body: "{not json", leaseUntil: 0 },
    ]);
    const { metrics, dead } = recordingMetrics();
    const consumer = consumerOver(store, runnerOver(store), { metrics });
    await consumer.drain();
    assert.deepEqual(dead, [["unreadable", 2]]);
    assert.equal((await store.ingestLog.deadLetters(1))[0]?.position, positions[0]);
  });

  it("counts the signals it holds as waiting (investigations yield to them) until they are applied", async () => {
    await append(store, [problem(1)], [problem(2), problem(2)]);
    const real = runnerOver(store);
    let release: () => void = () => {};
    const held = new Promise<void>((resolve) => {
      release = resolve;
    });
    const runner = {
      async submit(signals: Signal[], options?: SubmitOptions): Promise<IngestResult[]> {
        await held;
        return real.submit(signals, options);
      },
    };
    const consumer = consumerOver(store, runner, { pollMs: 60_000 });
    assert.equal(consumer.waiting, 0, "nothing claimed yet");
    const drained = consumer.drain();
    await new Promise((resolve) => setTimeout(resolve, 20));
    assert.equal(consumer.waiting, 3, "both entries' signals are in hand");
    release();
    await drained;
    assert.equal(consumer.waiting, 0);
    assert.equal(await storedSignals(store), 3);
  });

  it("keeps two of the runner's batches waiting in it, so a pipeline behind the log never idles for a flush", async () => {
    const real = runnerOver(store);
    // Eight entries of 100 signals; the runner says its next batch may take 400 (a pipeline behind the log).
    await append(store, ...Array.from({ length: 8 }, (_, e) => Array.from({ length: 100 }, (_, i) => problem(e * 100 + i))));
    let pending = 0;
    let most = 0;
    const runner = {
      batchCapacity: 400,
      async submit(signals: Signal[], options?: SubmitOptions): Promise<IngestResult[]> {
        pending += signals.length;
        most = Math.max(most, pending);
        await new Promise((resolve) => setTimeout(resolve, 5));
        try {
          return await real.submit(signals, options);
        } finally {
          pending -= signals.length;
        }
      },
    };
    const consumer = consumerOver(store, runner, { batchEntries: 8, pollMs: 60_000 });
    await consumer.drain();
    assert.equal(most, 800, "two batches of 400 handed to the runner at once, not one entry at a time");
    assert.equal((await store.ingestLog.backlog()).entries, 0);
  });
});
