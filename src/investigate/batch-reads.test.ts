import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { Change, ChangeKind } from "../core/change.ts";
import type { ChangeQuery } from "../core/ports/change-repository.ts";
import type { ResolvedIncident, SimilarCandidateQuery } from "../core/ports/similar-reads.ts";
import type { Signal } from "../core/signal.ts";
import { KyselyChangeRepository } from "../store/changes-repository.ts";
import { openSqlite } from "../store/sqlite/open-database.ts";
import { batchReads } from "./batch-reads.ts";

const T0 = Date.parse("2026-11-02T10:00:00Z");
const MINUTE = 60_000;
const HOUR = 60 * MINUTE;

function change(n: number, over: Partial<Change>): Change {
  return {
    id: `01JCHANGE${String(n).padStart(4, "0")}`,
    source: "test",
    sourceId: `c-${n}`,
    tenant: "acme",
    service: "checkout",
    environment: "production",
    kind: "deploy",
    summary: `change ${n}`,
    at: T0,
    version: null,
    author: null,
    url: null,
    labels: {},
    receivedAt: T0,
    ...over,
  };
}

describe("an investigation batch's shared reads", () => {
  it("answers every changes query inside its window as the store does, and reads the store outside it", async () => {
    const { db } = await openSqlite({ dataDir: ":memory:", synchronous: "full" });
    try {
      const store = new KyselyChangeRepository(db);
      const kinds: ChangeKind[] = ["deploy", "config", "feature-flag"];
      const services = ["checkout", "payments", "ledger"];
      // Ties at one millisecond (ordered by id), other tenants and environments, and changes outside the window.
      await store.insert(
        Array.from({ length: 60 }, (_, n) =>
          change(n, {
            at: T0 - (n % 20) * 5 * MINUTE,
            service: services[n % 3] as string,
            kind: kinds[n % 3] as ChangeKind,
            ...(n % 7 === 0 ? { tenant: "other" } : {}),
            ...(n % 11 === 0 ? { environment: "staging" } : {}),
          }),
        ),
      );
      await store.insert([change(90, { at: T0 - 30 * HOUR }), change(91, { at: T0 + 5 * HOUR })]);
      let storeReads = 0;
      const counted = {
        insert: store.insert.bind(store),
        find: (query: ChangeQuery) => {
          storeReads++;
          return store.find(query);
        },
      };
      const reads = batchReads([{ tenant: "acme", environment: "production", firstSeenAt: T0 }], {
        signals: async () => [],
        changes: counted,
        maxSignals: 200,
        changesLookback: 24 * HOUR,
        maxChanges: 500,
        similar: { candidates: async () => [] },
        similarLookback: HOUR,
        now: () => T0 + MINUTE,
      });
      const queries: ChangeQuery[] = [
        { tenant: "acme", environment: "production", services: ["checkout"], from: T0 - HOUR, to: T0 + 2 * MINUTE, limit: 20 },
        { tenant: "acme", environment: "production", services: ["payments", "ledger"], from: T0 - HOUR, to: T0, limit: 3 },
        {
          tenant: "acme",
          environment: "production",
          services: services,
          kinds: ["deploy"],
          from: T0 - 24 * HOUR,
          to: T0 + MINUTE,
          limit: 50,
        },
        { tenant: "acme", environment: "production", from: T0 - 50 * MINUTE, to: T0 - 10 * MINUTE, limit: 5 },
        { tenant: "acme", environment: "production", services: [], from: T0 - HOUR, to: T0, limit: 5 },
      ];
      for (const query of queries) assert.deepEqual(await reads.changes(query), await store.find(query), JSON.stringify(query));
      assert.ok((await reads.changes(queries[0] as ChangeQuery)).length > 3, "the queries find something");
      assert.equal(storeReads, 1, "one read of the window answered them all");
      // Outside the window (before it, or another tenant's window too large to hold): the store answers.
      const early = { tenant: "acme", environment: "production", from: T0 - 31 * HOUR, to: T0, limit: 50 };
      assert.deepEqual(await reads.changes(early), await store.find(early));
      assert.ok((await reads.changes(early)).some((c) => c.sourceId === "c-90"));
      assert.equal(storeReads, 3);

      const small = batchReads([{ tenant: "acme", environment: "production", firstSeenAt: T0 }], {
        signals: async () => [],
        changes: counted,
        maxSignals: 200,
        changesLookback: 24 * HOUR,
        maxChanges: 10,
        similar: { candidates: async () => [] },
        similarLookback: HOUR,
        now: () => T0,
      });
      storeReads = 0;
      for (const query of queries.slice(0, 3)) assert.deepEqual(await small.changes(query), await store.find(query));
      assert.equal(storeReads, 4, "a window over maxChanges is read once, then each query reads the store");
    } finally {
      await db.destroy();
    }
  });

  it("reads an incident's signals once and answers every shorter read with its newest ones", async () => {
    const calls: [string, number][] = [];
    const stored = (id: string, limit: number) =>
      Array.from({ length: Math.min(limit, 300) }, (_, n) => ({ id: `${id}-${n}` }) as unknown as Signal);
    const reads = batchReads([], {
      signals: async (id, limit) => {
        calls.push([id, limit]);
        return stored(id, limit);
      },
      changes: { insert: async () => new Set(), find: async () => [] },
      maxSignals: 200,
      changesLookback: HOUR,
      maxChanges: 10,
      similar: { candidates: async () => [] },
      similarLookback: HOUR,
      now: () => T0,
    });
    assert.deepEqual(await reads.signals("a", 20), stored("a", 20));
    assert.deepEqual(await reads.signals("a", 200), stored("a", 200));
    assert.deepEqual(await reads.signals("b", 50), stored("b", 50));
    assert.deepEqual(await reads.signals("a", 250), stored("a", 250));
    assert.deepEqual(calls, [
      ["a", 200],
      ["b", 200],
      ["a", 250],
    ]);
  });

  it("asks once per tenant whether it resolved any incident in the lookback, through the finder's own read", async () => {
    const asked: SimilarCandidateQuery[] = [];
    const resolved = (tenant: string) => (tenant === "acme" ? [{ id: "past" } as ResolvedIncident] : []);
    const reads = batchReads([], {
      signals: async () => [],
      changes: { insert: async () => new Set(), find: async () => [] },
      maxSignals: 200,
      changesLookback: HOUR,
      maxChanges: 10,
      similar: {
        candidates: async (query) => {
          asked.push(query);
          return resolved(query.tenant).slice(0, query.limit);
        },
      },
      similarLookback: 24 * HOUR,
      now: () => T0,
    });
    assert.equal(await reads.mayHavePast("acme", T0 - 24 * HOUR), true);
    assert.equal(await reads.mayHavePast("new", T0 - 24 * HOUR), false);
    assert.equal(await reads.mayHavePast("new", T0 - 20 * HOUR), false, "a later lookback finds no more");
    assert.equal(await reads.mayHavePast("new", T0 - 25 * HOUR), true, "an earlier one is not known: the finder reads");
    assert.deepEqual(
      asked.map((q) => [q.tenant, q.since, q.excludeId, q.limit]),
      [
        ["acme", T0 - 24 * HOUR, null, 1],
        ["new", T0 - 24 * HOUR, null, 1],
      ],
    );
  });
});
