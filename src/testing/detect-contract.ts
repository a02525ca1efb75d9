import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { emptyChangeSet } from "../core/ports/store.ts";
import { type StoreContractTarget, signal, stored, withStore } from "./store-contract.ts";

const T0 = Date.parse("2026-11-02T10:00:00Z");
const TTL = 30_000;

/** The detect repository: per-rule leases and detector states (src/detect/rule-runner.ts). */
export function describeDetectContract(target: StoreContractTarget): void {
  describe(`detect repository: ${target.name}`, () => {
    it("counts stored firing signals per bucket of receive time, by service or by pattern, zeros included", () =>
      withStore(target, async (store) => {
        const at = (seconds: number, fields: Parameters<typeof signal>[0] = {}) =>
          stored(signal({ source: "app", kind: "log", receivedAt: T0 + seconds * 1000, ...fields }), null);
        await store.apply({
          ...emptyChangeSet(),
          signals: [
            at(-61), // before the first bucket (T0 − 60 s, T0]
            at(-60), // on its lower bound: excluded
            at(-30),
            at(0), // on a bucket's end: in it
            at(1, { errorPattern: "disk <*> full", service: "db" }),
            at(59, { status: "resolved" }), // resolves are not occurrences
            at(61, { source: "detect" }), // excluded source
            at(90, { kind: "change" }), // kind not asked for
            at(120),
            at(121), // after `to`
          ],
        });
        const query = { from: T0, to: T0 + 120_000, stepMs: 60_000, kinds: ["log"], excludeSources: ["detect"] };
        const byService = await store.detect.signalCounts({ ...query, by: "service" });
        const sorted = byService.sort((a, b) => a.service.localeCompare(b.service));
        assert.deepEqual(sorted, [
          {
            service: "db",
            pattern: null,
            counts: [
              [T0, 0],
              [T0 + 60_000, 1],
              [T0 + 120_000, 0],
            ],
          },
          {
            service: "payments",
            pattern: null,
            counts: [
              [T0, 2],
              [T0 + 60_000, 0],
              [T0 + 120_000, 1],
            ],
          },
        ]);
        const byPattern = await store.detect.signalCounts({ ...query, by: "pattern" });
        assert.deepEqual(byPattern.map((s) => s.pattern).sort(), ["disk <*> full", "timeout after <num>ms"]);
        assert.deepEqual(await store.detect.signalCounts({ ...query, from: T0 + 600_000, to: T0 + 660_000, by: "service" }), []);
      }));

    it("tells when error-pattern templates were first mined", () =>
      withStore(target, async (store) => {
        const claim = { id: "p-1", shape: "3 disk", tokens: ["disk", "<*>", "full"], at: T0 };
        await store.patterns.claim([claim], () => undefined);
        const seen = await store.detect.patternsFirstSeen(["disk <*> full", "never mined"]);
        assert.deepEqual([...seen], [["disk <*> full", T0]]);
      }));

    it("gives a rule's lease to one owner until it expires or is released, and renews it for its holder", () =>
      withStore(target, async (store) => {
        assert.deepEqual(await store.detect.acquire("cpu", "a", T0, TTL), { evaluatedUntil: null });
        assert.equal(await store.detect.acquire("cpu", "b", T0 + 1000, TTL), null, "held by a");
        assert.ok(await store.detect.acquire("disk", "b", T0 + 1000, TTL), "another rule is free");
        assert.ok(await store.detect.acquire("cpu", "a", T0 + 20_000, TTL), "the holder renews");
        assert.equal(await store.detect.acquire("cpu", "b", T0 + 40_000, TTL), null, "renewed until T0+50s");
        assert.ok(await store.detect.acquire("cpu", "b", T0 + 50_001, TTL), "expired: b takes over");
        assert.equal(await store.detect.acquire("cpu", "a", T0 + 50_002, TTL), null);
        await store.detect.release("cpu", "a");
        assert.equal(await store.detect.acquire("cpu", "a", T0 + 50_003, TTL), null, "a non-holder's release changes nothing");
        await store.detect.release("cpu", "b");
        assert.ok(await store.detect.acquire("cpu", "a", T0 + 50_004, TTL), "released: free at once");
      }));

    it("stores states and the rule's progress for the lease holder only, and gives them back", () =>
      withStore(target, async (store) => {
        await store.detect.acquire("cpu", "a", T0, TTL);
        const state = { level: 41.5, history: [1, 2, 3], nested: { firing: true, since: T0 } };
        assert.equal(
          await store.detect.save("cpu", "a", T0, [
            { series: '{instance="a"}', state, updatedAt: T0 },
            { series: '{instance="b"}', state: { level: 1 }, updatedAt: T0 - 5000 },
          ]),
          true,
        );
        assert.equal(
          await store.detect.save("cpu", "b", T0 + 1, [{ series: '{instance="a"}', state: {}, updatedAt: T0 + 1 }]),
          false,
        );
        assert.deepEqual(await store.detect.states("cpu"), [
          { series: '{instance="a"}', state, updatedAt: T0 },
          { series: '{instance="b"}', state: { level: 1 }, updatedAt: T0 - 5000 },
        ]);
        assert.deepEqual(await store.detect.states("disk"), []);
        // An update replaces the series' state; the lease remembers how far the rule got.
        await store.detect.save("cpu", "a", T0 + 60_000, [
          { series: '{instance="a"}', state: { level: 42 }, updatedAt: T0 + 60_000 },
        ]);
        assert.deepEqual((await store.detect.states("cpu"))[0], {
          series: '{instance="a"}',
          state: { level: 42 },
          updatedAt: T0 + 60_000,
        });
        assert.deepEqual(await store.detect.acquire("cpu", "a", T0 + 61_000, TTL), { evaluatedUntil: T0 + 60_000 });
        assert.equal(await store.detect.forget("cpu", T0 - 1000), 1, "the series not seen since T0-5s");
        assert.deepEqual(
          (await store.detect.states("cpu")).map((s) => s.series),
          ['{instance="a"}'],
        );
      }));

    const openReplicas = target.openReplicas;
    if (openReplicas) {
      it("lets exactly one of two replicas asking at once hold a rule, and keeps the loser's writes out", async () => {
        const [one, two] = await openReplicas();
        try {
          for (let round = 0; round < 10; round++) {
            const rule = `rule-${round}`;
            const [a, b] = await Promise.all([
              one.detect.acquire(rule, "one", T0, TTL),
              two.detect.acquire(rule, "two", T0, TTL),
            ]);
            assert.equal((a === null) !== (b === null), true, `round ${round}: exactly one holds the lease`);
            const loser = a === null ? one : two;
            const loserName = a === null ? "one" : "two";
            assert.equal(await loser.detect.save(rule, loserName, T0, [{ series: "s", state: { x: 1 }, updatedAt: T0 }]), false);
            assert.deepEqual(await one.detect.states(rule), []);
          }
        } finally {
          await one.close();
          await two.close();
        }
      });
    }
  });
}
