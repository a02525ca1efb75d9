/**
 * Two ingest runners, as two replicas run them, on one real PostgreSQL (see test/support/postgres-database.ts
 * for where it comes from): the alerts of one incident fire and resolve on both replicas at the same time.
 * What on-call relies on: one incident per problem, and an incident whose alerts have all resolved is
 * resolved, whichever replica heard which alert.
 *
 * Needs: PostgreSQL (SLUICE_TEST_DATABASE_URL, or scripts/postgres.sh provisions it).
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { ManualClock } from "../src/core/clock.ts";
import { isSluiceError } from "../src/core/errors.ts";
import { EventBus } from "../src/core/events.ts";
import type { ChangeSet } from "../src/core/ports/store.ts";
import type { Signal } from "../src/core/signal.ts";
import { LifecycleService } from "../src/lifecycle/lifecycle-service.ts";
import { PostgresStore } from "../src/store/postgres/postgres-store.ts";
import { signal } from "../src/testing/store-contract.ts";
import { runnerOver } from "./support/ingest-runner.ts";
import { missingPeer } from "./support/missing-peer.ts";
import { createTestDatabase } from "./support/postgres-database.ts";

const PROBLEMS = 20;
const ROUNDS = 5;
const T0 = Date.parse("2026-11-24T08:00:00Z");

const database = await createTestDatabase();

// One alert instance of problem `n` in round `round`, as Alertmanager's webhook maps it.
function alert(round: number, n: number, instance: number, status: Signal["status"]): Signal {
  const name = `Round${round}Problem${n}`;
  return signal({
    source: "alertmanager",
    sourceId: `${name}-${instance}:${status}`,
    kind: "alert",
    status,
    alertKey: `${name}-${instance}`,
    errorPattern: `alert:${name}`,
    occurredAt: T0 + (status === "resolved" ? 60_000 : 0),
    receivedAt: T0,
  });
}

if ("problem" in database) {
  missingPeer("two replicas' ingest on PostgreSQL", database.problem, "set SLUICE_TEST_DATABASE_URL (or DATABASE_URL)");
} else {
  describe(`two replicas' ingest on one PostgreSQL (${database.server})`, () => {
    it("resolves an incident once every alert in it has resolved, whichever replica heard which", async () => {
      const one = await PostgresStore.open({ url: database.url, schema: "replicas", poolSize: 4 });
      const two = await PostgresStore.open({ url: database.url, schema: "replicas", poolSize: 4 });
      try {
        const [a, b] = [runnerOver(one, T0), runnerOver(two, T0)];
        const problems = [...Array(PROBLEMS).keys()];
        for (let round = 0; round < ROUNDS; round++) {
          // Instance 0 of every problem reaches replica A, instance 1 replica B, at the same moment.
          await Promise.all([
            a.submit(problems.map((n) => alert(round, n, 0, "firing"))),
            b.submit(problems.map((n) => alert(round, n, 1, "firing"))),
          ]);
          await Promise.all([
            a.submit(problems.map((n) => alert(round, n, 0, "resolved"))),
            b.submit(problems.map((n) => alert(round, n, 1, "resolved"))),
          ]);
        }
        const incidents = await one.incidents.list({ limit: 1000 });
        assert.equal(incidents.items.length, PROBLEMS * ROUNDS, "one incident per problem");
        const open = incidents.items.filter((incident) => incident.state !== "resolved").map((incident) => incident.key);
        assert.deepEqual(open, [], "no incident stays open after all its alerts resolved");
        for (const incident of incidents.items) assert.equal(incident.signalCount, 2, `${incident.key}: both firing alerts`);
      } finally {
        await Promise.all([one.close(), two.close()]);
      }
    });

    it("lets people acknowledge and resolve on one replica while the other keeps joining signals to the incidents", async () => {
      const one = await PostgresStore.open({ url: database.url, schema: "busy", poolSize: 4 });
      const two = await PostgresStore.open({ url: database.url, schema: "busy", poolSize: 4 });
      try {
        const runner = runnerOver(one, T0);
        // Counts the writes people's actions lose to the storm (and plan again).
        let lost = 0;
        const counting = Object.assign(Object.create(two) as PostgresStore, {
          apply: (changes: ChangeSet) =>
            two.apply(changes).catch((error: unknown) => {
              if (isSluiceError(error) && error.code === "CONFLICT") lost++;
              throw error;
            }),
        });
        const lifecycle = new LifecycleService(counting, new ManualClock(T0 + 1000), new EventBus());
        const problem = (n: number) => signal({ service: `svc-${n}`, errorPattern: "pool exhausted", score: 0.9 });
        const problems = [...Array(PROBLEMS).keys()];
        const keys = (await runner.submit(problems.map(problem))).map((result) => result.incident as string);
        // The storm: a batch joining every incident, back to back, until people are done.
        let storming = true;
        let batches = 0;
        const storm = (async () => {
          while (storming) {
            // A batch that keeps losing to people's actions is refused as retryable; senders send it again.
            await runner.submit(problems.map(problem)).catch((error: unknown) => {
              if (!isSluiceError(error) || error.code !== "OVERLOADED") throw error;
            });
            batches++;
          }
        })();
        const refused: string[] = [];
        const act = async (key: string, action: "acknowledge" | "resolve") => {
          await lifecycle
            .apply(key, action, { actor: "api:alice" })
            .catch((error: Error) => refused.push(`${key} ${action}: ${error.message}`));
        };
        for (const key of keys) await act(key, "acknowledge");
        for (const key of keys) await act(key, "resolve");
        storming = false;
        await storm;
        assert.ok(lost > 0, `people's actions raced the storm (${batches} batches, ${lost} writes lost and planned again)`);
        assert.deepEqual(refused, []);
        for (const key of keys) assert.equal((await one.incidents.get(key))?.state, "resolved", key);
      } finally {
        await Promise.all([one.close(), two.close()]);
      }
    });
  });
}
