/**
 * Issue 18: two replicas' ingest-log consumers on one real PostgreSQL (see test/support/postgres-database.ts)
 * drain one log at the same time. Only one applies a given entry: claims lock the rows they pick (SKIP
 * LOCKED), and should two hold one anyway (a lease that ran out) the entry's delete in the applying
 * transaction lets only one commit. Every signal is stored once, every incident counts it once.
 *
 * Needs: PostgreSQL (SLUICE_TEST_DATABASE_URL, or scripts/postgres.sh provisions it).
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { Signal } from "../src/core/signal.ts";
import { LogConsumer } from "../src/pipeline/ingest/log-consumer.ts";
import { PostgresStore } from "../src/store/postgres/postgres-store.ts";
import { signal } from "../src/testing/store-contract.ts";
import { runnerOver } from "./support/ingest-runner.ts";
import { missingPeer } from "./support/missing-peer.ts";
import { createTestDatabase } from "./support/postgres-database.ts";

const PROBLEMS = 20;
const ENTRIES = 240;
const PER_ENTRY = 3;
const T0 = Date.parse("2026-11-24T08:00:00Z");

const database = await createTestDatabase();

function consumerOver(store: PostgresStore, leaseMs: number, applied: number[]): LogConsumer {
  return new LogConsumer({
    log: store.ingestLog,
    runner: runnerOver(store, T0),
    metrics: { applied: (lags) => applied.push(lags.length), deadLettered: () => assert.fail("nothing is dead-lettered") },
    batchEntries: 16,
    leaseMs,
    maxAttempts: 10,
    pollMs: 1000,
  });
}

async function appendStream(store: PostgresStore, run: string): Promise<void> {
  const entries = Array.from({ length: ENTRIES }, (_, e) => {
    const signals: Signal[] = Array.from({ length: PER_ENTRY }, (_, s) => {
      const n = (e * PER_ENTRY + s) % PROBLEMS;
      return signal({
        sourceId: `${run}-${e}-${s}`,
        service: `svc-${n}`,
        errorPattern: `pool exhausted ${n}`,
        score: 0.9,
        receivedAt: T0,
        occurredAt: T0,
      });
    });
    return { source: "api", appendedAt: Date.now(), signalCount: signals.length, body: JSON.stringify(signals), leaseUntil: 0 };
  });
  // Appended in several transactions, as requests arrive.
  for (let i = 0; i < entries.length; i += 40) await (await store.ingestLog.append(entries.slice(i, i + 40))).durable;
}

if ("problem" in database) {
  missingPeer(
    "two replicas' ingest-log consumers on PostgreSQL",
    database.problem,
    "set SLUICE_TEST_DATABASE_URL (or DATABASE_URL)",
  );
} else {
  describe("two replicas consume one ingest log on PostgreSQL", () => {
    for (const [name, leaseMs] of [
      ["with leases that hold", 60_000],
      ["with leases that run out at once (both replicas claim the same entries)", 1],
    ] as const) {
      it(`applies every entry exactly once ${name}`, async () => {
        const schema = leaseMs === 1 ? "log_race" : "log_lease";
        const one = await PostgresStore.open({ url: database.url, schema, poolSize: 4 });
        const two = await PostgresStore.open({ url: database.url, schema, poolSize: 4 });
        try {
          await appendStream(one, schema);
          const [a, b] = [[], []] as [number[], number[]];
          await Promise.all([consumerOver(one, leaseMs, a).drain(), consumerOver(two, leaseMs, b).drain()]);
          const sum = (xs: number[]) => xs.reduce((s, x) => s + x, 0);
          assert.equal(sum(a) + sum(b), ENTRIES, `entries applied: ${sum(a)} by one replica, ${sum(b)} by the other`);
          assert.deepEqual(await one.ingestLog.backlog(), { entries: 0, signals: 0, oldestAppendedAt: null });
          const { items } = await one.incidents.list({ limit: 100 });
          assert.equal(items.length, PROBLEMS, "one incident per problem");
          assert.equal(
            items.reduce((s, i) => s + i.signalCount, 0),
            ENTRIES * PER_ENTRY,
            "every signal counted once",
          );
          const stored = await one.signals.existing(
            Array.from({ length: ENTRIES * PER_ENTRY }, (_, i) => ({
              source: "scorer",
              sourceId: `${schema}-${Math.floor(i / PER_ENTRY)}-${i % PER_ENTRY}`,
            })),
          );
          assert.equal(stored.size, ENTRIES * PER_ENTRY, "every signal stored");
        } finally {
          await Promise.all([one.close(), two.close()]);
        }
      });
    }
  });
}
