/**
 * Two replicas on one PostgreSQL evaluating the same detection rule: each evaluation time is evaluated by one
 * of them (the rule's lease), an episode fires once, and when the evaluating replica dies mid-episode the
 * other takes over from the stored detector state once the lease expires — no second onset, no lost resolve.
 *
 * Needs: PostgreSQL, as test/postgres-store.test.ts (SLUICE_TEST_DATABASE_URL, or scripts/postgres.sh).
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { detectConfigSchema } from "../src/config/detect-config.ts";
import { ManualClock } from "../src/core/clock.ts";
import type { Signal } from "../src/core/signal.ts";
import { type RangeQuerier, RuleRunner } from "../src/detect/rule-runner.ts";
import { PostgresStore } from "../src/store/postgres/postgres-store.ts";
import { missingPeer } from "./support/missing-peer.ts";
import { createTestDatabase } from "./support/postgres-database.ts";

const MINUTE = 60_000;
const T0 = Date.parse("2026-11-02T10:00:00Z");

const database = await createTestDatabase();

if ("problem" in database) {
  missingPeer(
    "detection rules on two PostgreSQL replicas",
    database.problem,
    "set SLUICE_TEST_DATABASE_URL (or DATABASE_URL) to run it",
  );
} else {
  describe("detection rules on two PostgreSQL replicas", () => {
    it("fires an episode once across replicas and hands the rule over, state and all, when the evaluator dies", async () => {
      const { rules } = detectConfigSchema.parse({
        prometheus: { url: "http://prometheus:9090" },
        rules: [
          {
            name: "cpu",
            query: "cpu",
            interval: "1m",
            detector: { kind: "threshold", above: 90 },
            labels: { service: "checkout" },
          },
        ],
      });
      const high = (t: number) => t >= T0 + 5 * MINUTE && t < T0 + 15 * MINUTE;
      const prometheus: RangeQuerier = {
        async queryRange(_query, start, end, step) {
          const samples: [number, number][] = [];
          for (let t = start; t <= end; t += step) samples.push([t, high(t) ? 95 : 20]);
          return [{ labels: { instance: "a" }, samples }];
        },
      };
      const clock = new ManualClock(T0);
      const submitted: { replica: string; signal: Signal }[] = [];
      const stores = [
        await PostgresStore.open({ url: database.url, schema: "detect_replicas", poolSize: 4 }),
        await PostgresStore.open({ url: database.url, schema: "detect_replicas", poolSize: 4 }),
      ];
      try {
        const names = ["one", "two"];
        const replicas = names.map(
          (name, i) =>
            new RuleRunner({
              rule: rules[0] as (typeof rules)[number],
              prometheus,
              prometheusUrl: "http://prometheus:9090",
              repository: (stores[i] as PostgresStore).detect,
              submit: async (signals) => {
                for (const signal of signals) submitted.push({ replica: name, signal });
              },
              clock,
              owner: name,
              heartbeatMs: 5 * MINUTE,
            }),
        );
        const evaluators: string[] = [];
        let alive = [0, 1];
        for (let minute = 0; minute <= 17; minute++) {
          const outcomes = await Promise.all(alive.map((i) => (replicas[i] as RuleRunner).evaluate()));
          const held = alive.filter((_, k) => outcomes[k]?.held).map((i) => names[i] as string);
          assert.ok(held.length <= 1, `minute ${minute}: at most one replica evaluates (${held.join(", ")})`);
          evaluators.push(held[0] ?? "-");
          // The first evaluator dies after minute 7, without releasing its lease.
          if (minute === 7) alive = alive.filter((i) => names[i] !== evaluators[0]);
          clock.advance(MINUTE);
        }
        const first = evaluators[0] as string;
        const other = first === "one" ? "two" : "one";
        // Its lease (renewed at minute 7, three intervals long) runs out after minute 10: nobody evaluates 8 to 10.
        assert.deepEqual(evaluators, [...Array(8).fill(first), "-", "-", "-", ...Array(7).fill(other)]);
        const events = submitted.map(({ replica, signal }) => `${replica} ${signal.status} ${signal.sourceId.split(":")[2]}`);
        const onset = String(T0 + 5 * MINUTE);
        assert.deepEqual(events, [
          `${first} firing ${onset}`,
          // The takeover catches up minutes 8 to 11 from the stored state: the episode goes on, its heartbeat at 10.
          `${other} firing ${onset}.1`,
          `${other} resolved ${onset}.resolved`,
        ]);
      } finally {
        await Promise.all(stores.map((store) => store.close()));
      }
    });
  });
}
