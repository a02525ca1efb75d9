import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { emptyChangeSet, type Store } from "../core/ports/store.ts";
import type { TraceClaim, TraceRecord } from "../core/ports/trace-repository.ts";
import type { SpanRecord } from "../core/trace.ts";
import { analyseTrace } from "../traces/analysis.ts";
import { bucketOf, contributionDelta, contributionOf } from "../traces/contribution.ts";
import { browseTrace, checkoutTrace } from "../traces/test-fixtures.ts";
import { incident, type StoreContractTarget, signal, stored } from "./store-contract.ts";

const T0 = Date.parse("2026-11-02T10:00:00Z");
const LEASE = 60_000;

async function withStore(target: StoreContractTarget, check: (store: Store) => Promise<void>): Promise<void> {
  const store = await target.open();
  try {
    await check(store);
  } finally {
    await store.close();
  }
}

/** What the assembler writes for a claimed trace: its analysis and the counters it adds. */
async function analysed(store: Store, claim: TraceClaim): Promise<TraceRecord> {
  const analysis = analyseTrace(await store.traces.spans(claim.traceId, 1000), 100);
  assert.ok(analysis, `trace ${claim.traceId} has spans`);
  const contribution = contributionOf(analysis, bucketOf(claim.firstReceivedAt));
  return {
    claim,
    stored: { analysis, contribution },
    ...contributionDelta(contribution, claim.previous?.contribution ?? null),
    status: analysis.rootCause ? "signal" : "done",
  };
}

/** The trace repository's behaviour on every engine (called from the store contract). */
export function describeTraceContract(target: StoreContractTarget): void {
  describe(`trace repository: ${target.name}`, () => {
    it("stores spans once however often they are sent, and reads them back by start", () =>
      withStore(target, async (store) => {
        const spans = checkoutTrace("database", { tenant: "acme", environment: "staging", user: "u-1" });
        const traceId = (spans[0] as SpanRecord).traceId;
        await store.traces.addSpans(spans.slice(3), T0);
        await store.traces.addSpans(spans, T0 + 100);
        await store.traces.addSpans(spans.slice(0, 2), T0 + 200);
        const read = await store.traces.spans(traceId, 100);
        assert.deepEqual(read, spans);
        assert.deepEqual(await store.traces.spans(traceId, 2), spans.slice(0, 2));
        assert.deepEqual(
          await store.traces.analyses([traceId, "f".repeat(32)]),
          new Map([[traceId, null]]),
          "stored, not analysed yet; unknown ids absent",
        );
      }));

    it("claims a trace only once it is quiet, and only one claimer at a time until the lease ends", () =>
      withStore(target, async (store) => {
        const early = checkoutTrace("none");
        const late = checkoutTrace("none");
        await store.traces.addSpans(early, T0);
        await store.traces.addSpans(late, T0 + 5000);
        const first = await store.traces.claimQuiet(T0 + 6000, T0 + 4000, 10, LEASE);
        assert.deepEqual(
          first.map((c) => [c.traceId, c.status, c.firstReceivedAt, c.lastReceivedAt, c.previous]),
          [[early[0]?.traceId, "pending", T0, T0, null]],
        );
        const second = await store.traces.claimQuiet(T0 + 9000, T0 + 9000, 10, LEASE);
        assert.deepEqual(
          second.map((c) => c.traceId),
          [late[0]?.traceId],
          "the early trace is leased",
        );
        const afterLease = await store.traces.claimQuiet(T0 + 6000 + LEASE, T0 + 6000 + LEASE, 10, LEASE);
        assert.deepEqual(
          afterLease.map((c) => c.traceId),
          [early[0]?.traceId],
          "an unfinished claim comes back once its lease ends",
        );
      }));

    it("counts analyses into the graph once, re-counts only the difference after late spans, and keeps windows apart", () =>
      withStore(target, async (store) => {
        const tenant = "acme";
        const environment = "production";
        const traces = [
          checkoutTrace("database", { tenant, environment }),
          checkoutTrace("none", { tenant, environment }),
          browseTrace({ tenant, environment }),
        ];
        // The failing trace's database span arrives late.
        const failing = traces[0] as SpanRecord[];
        await store.traces.addSpans([...failing.slice(0, 5), ...(traces[1] ?? []), ...(traces[2] ?? [])], T0);
        const claims = await store.traces.claimQuiet(T0 + 3000, T0 + 2000, 10, LEASE);
        assert.equal(claims.length, 3);
        const records = await Promise.all(claims.map((claim) => analysed(store, claim)));
        await store.traces.record(records);
        let graph = await store.traces.graph(tenant, environment, bucketOf(T0));
        assert.deepEqual(
          graph.edges.map((e) => `${e.caller}->${e.callee} ${e.requests}/${e.errors}`),
          ["checkout->payments 2/1", "frontend->checkout 2/1", "payments->postgresql/payments 1/0"],
        );
        assert.deepEqual(graph.traces, { frontend: 3, checkout: 2, payments: 2, "postgresql/payments": 1 });
        const failingId = failing[0]?.traceId as string;
        assert.equal((await store.traces.analyses([failingId])).get(failingId)?.analysis.rootCause?.service, "payments");

        await store.traces.addSpans(failing.slice(5), T0 + 10_000);
        const again = await store.traces.claimQuiet(T0 + 13_000, T0 + 12_000, 10, LEASE);
        assert.deepEqual(
          again.map((c) => [c.traceId, c.status]),
          [[failingId, "pending"]],
        );
        await store.traces.record([await analysed(store, again[0] as TraceClaim)]);
        graph = await store.traces.graph(tenant, environment, bucketOf(T0));
        assert.deepEqual(
          graph.edges.map((e) => `${e.caller}->${e.callee} ${e.requests}/${e.errors}`),
          ["checkout->payments 2/1", "frontend->checkout 2/1", "payments->postgresql/payments 2/1"],
        );
        assert.deepEqual(graph.reached.frontend, { checkout: 2, payments: 2, "postgresql/payments": 2 });
        assert.equal(
          (await store.traces.analyses([failingId])).get(failingId)?.analysis.rootCause?.service,
          "postgresql/payments",
        );
        assert.deepEqual((await store.traces.graph(tenant, environment, bucketOf(T0) + 60_000)).edges, []);
        assert.deepEqual((await store.traces.graph("other", environment, 0)).edges, []);

        // Still to signal: claimable again once quiet, until marked signalled.
        const toSignal = await store.traces.claimQuiet(T0 + 200_000, T0 + 200_000, 10, LEASE);
        assert.deepEqual(
          toSignal.map((c) => [c.traceId, c.status, c.previous?.analysis.rootCause?.service]),
          [[failingId, "signal", "postgresql/payments"]],
        );
        await store.traces.signalled([failingId]);
        assert.deepEqual(await store.traces.claimQuiet(T0 + 400_000, T0 + 400_000, 10, LEASE), []);
      }));

    it("leaves a trace pending when spans arrive while it is analysed", () =>
      withStore(target, async (store) => {
        const spans = checkoutTrace("none");
        await store.traces.addSpans(spans.slice(0, 3), T0);
        const [claim] = await store.traces.claimQuiet(T0 + 3000, T0 + 2000, 10, LEASE);
        assert.ok(claim);
        const record = await analysed(store, claim);
        await store.traces.addSpans(spans.slice(3), T0 + 2500);
        await store.traces.record([record]);
        const next = await store.traces.claimQuiet(T0 + 5000, T0 + 4000, 10, LEASE);
        assert.deepEqual(
          next.map((c) => [c.traceId, c.status, c.lastReceivedAt]),
          [[claim.traceId, "pending", T0 + 2500]],
        );
      }));

    it("finds open incidents by service within one tenant and environment, oldest first", () =>
      withStore(target, async (store) => {
        const older = incident({ service: "payments", firstSeenAt: T0 - 5000 });
        const newer = incident({ service: "payments", firstSeenAt: T0 });
        const db = incident({ service: "postgresql/payments" });
        const resolved = incident({ service: "checkout", state: "resolved", resolvedAt: T0 });
        const elsewhere = incident({ service: "payments", environment: "staging" });
        await store.apply({ ...emptyChangeSet(), newIncidents: [newer, older, db, resolved, elsewhere] });
        const found = await store.traces.openIncidentsByService("acme", "production", [
          "payments",
          "checkout",
          "postgresql/payments",
        ]);
        assert.deepEqual(
          found.map((i) => [i.id, i.service, i.fingerprint]),
          [
            [older.id, "payments", older.fingerprint],
            [newer.id, "payments", newer.fingerprint],
            [db.id, "postgresql/payments", db.fingerprint],
          ],
        );
        assert.deepEqual(await store.traces.openIncidentsByService("acme", "production", []), []);
      }));

    it("finds the open incident holding a signal by its upstream id, and the trace ids an incident's latest signals name", () =>
      withStore(target, async (store) => {
        const open = incident({ service: "postgresql/payments" });
        const closed = incident({ state: "resolved", resolvedAt: T0 });
        await store.apply({
          ...emptyChangeSet(),
          newIncidents: [open, closed],
          signals: [
            stored(signal({ source: "otlp", sourceId: "aaaa1111", traceId: "aaaa1111", occurredAt: T0 }), open.id),
            stored(signal({ traceId: "BBBB2222", occurredAt: T0 + 1 }), open.id),
            stored(signal({ traceId: null, occurredAt: T0 + 2 }), open.id),
            stored(signal({ traceId: "cccc3333", occurredAt: T0 - 10 }), open.id),
            stored(signal({ source: "otlp", sourceId: "dddd4444", traceId: "dddd4444", occurredAt: T0 }), closed.id),
          ],
        });
        const found = await store.traces.openIncidentsOfSignals("otlp", ["aaaa1111", "dddd4444", "eeee5555", "aaaa1111"]);
        // dddd4444's incident is resolved, eeee5555 was never stored; asking twice answers once.
        assert.deepEqual(
          [...found].map(([traceId, incident]) => [traceId, incident.id, incident.service, incident.fingerprint]),
          [["aaaa1111", open.id, "postgresql/payments", open.fingerprint]],
        );
        assert.equal((await store.traces.openIncidentsOfSignals("scorer", ["aaaa1111"])).size, 0, "another source");
        assert.equal((await store.traces.openIncidentsOfSignals("otlp", [])).size, 0);
        // Newest first, lower-cased, without repeats or signals naming no trace; the limit counts signals read.
        assert.deepEqual(await store.traces.recentTraceIds(open.id, 10), ["bbbb2222", "aaaa1111", "cccc3333"]);
        assert.deepEqual(await store.traces.recentTraceIds(open.id, 2), ["bbbb2222"]);
      }));

    it("deletes spans, traces and graph buckets past their retention", () =>
      withStore(target, async (store) => {
        const old = checkoutTrace("none");
        const fresh = checkoutTrace("none");
        await store.traces.addSpans(old, T0);
        await store.traces.addSpans(fresh, T0 + 3_600_000);
        const claims = await store.traces.claimQuiet(T0 + 3_700_000, T0 + 3_700_000, 10, LEASE);
        await store.traces.record(await Promise.all(claims.map((claim) => analysed(store, claim))));
        const removed = await store.traces.cleanup(T0 + 60_000, T0 + 60_000);
        assert.deepEqual(removed, { spans: old.length, traces: 1 });
        assert.deepEqual(await store.traces.spans(old[0]?.traceId as string, 100), []);
        assert.equal((await store.traces.spans(fresh[0]?.traceId as string, 100)).length, fresh.length);
        assert.deepEqual((await store.traces.graph("default", "production", 0)).traces, {
          frontend: 1,
          checkout: 1,
          payments: 1,
          "postgresql/payments": 1,
        });
      }));

    if (target.openReplicas) {
      const openReplicas = target.openReplicas;
      it("two replicas claiming at once never get the same trace", async () => {
        const [one, two] = await openReplicas();
        try {
          for (let i = 0; i < 60; i++) await one.traces.addSpans(checkoutTrace("none"), T0);
          const claimed = await Promise.all(
            Array.from({ length: 6 }, (_, i) => (i % 2 ? one : two).traces.claimQuiet(T0 + 5000, T0 + 1000, 15, LEASE)),
          );
          const ids = claimed.flat().map((c) => c.traceId);
          assert.equal(ids.length, 60);
          assert.equal(new Set(ids).size, 60);
        } finally {
          await one.close();
          await two.close();
        }
      });
    }
  });
}
