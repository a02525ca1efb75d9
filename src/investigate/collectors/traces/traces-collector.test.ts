import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { TraceRepository } from "../../../core/ports/trace-repository.ts";
import type { TraceAnalysis } from "../../../core/trace.ts";
import { testQuery } from "../test-query.ts";
import { TracesCollector } from "./traces-collector.ts";

function analysis(traceId: string, service: string | null): TraceAnalysis {
  return {
    traceId,
    tenant: "acme",
    environment: "production",
    startUs: 0,
    spanCount: 3,
    edges: [],
    reach: {},
    rootCause: service
      ? { service, operation: "INSERT ledger", errorMessage: "deadlock detected", spanId: "s", caller: null }
      : null,
    failingServices: [],
    failingSpanIds: [],
    users: [],
    timeline: [
      {
        service: "checkout",
        operation: "POST /pay",
        startOffsetMs: 0,
        durationMs: 900,
        error: true,
        errorMessage: null,
        depth: 0,
      },
    ],
    timelineCapped: false,
  };
}

describe("traces collector", () => {
  it("shares out the failing traces' root-cause spans by component, with the blast radius and a timeline", async () => {
    const stored = new Map([
      ["t1", analysis("t1", "ledger-db")],
      ["t2", analysis("t2", "ledger-db")],
      ["t3", analysis("t3", "bank")],
      ["t4", analysis("t4", null)],
    ]);
    const repository = {
      recentTraceIds: async () => ["t1", "t2", "t3", "t4"],
      analyses: async (ids: readonly string[]) => new Map(ids.map((id) => [id, { analysis: stored.get(id) }])),
      spans: async () => [],
    } as unknown as TraceRepository;
    const graph = {
      edges: [{ caller: "payments", callee: "ledger-db", requests: 10, errors: 4 }],
      traces: { payments: 10 },
      reached: { payments: { "ledger-db": 5 } },
    };
    const out = await new TracesCollector(repository, {
      signals: 50,
      timelineLimit: 100,
      maxSpansPerTrace: 100,
      traceUrl: (id) => `https://traces.test/${id}`,
    }).collect(testQuery({ graph }));
    assert.deepEqual(
      out.extra.map((e) => e.kind === "trace-root-cause" && [e.id, e.node, e.share]),
      [
        ["traces-1", "ledger-db", 2 / 3],
        ["traces-2", "bank", 1 / 3],
      ],
    );
    assert.match(
      out.items[0]?.summary ?? "",
      /^2 of 3 failing traces start failing in ledger-db \(INSERT ledger: deadlock detected\); e.g. trace t1/,
    );
    assert.equal(out.items[0]?.link, "https://traces.test/t1");
    assert.deepEqual(
      out.items.slice(2).map((i) => [i.id, i.summary]),
      [
        ["traces-blast-radius", "payments 50%"],
        ["traces-timeline", "checkout POST /pay +0ms 900ms ERROR"],
      ],
    );
  });

  it("finds nothing when the incident names no failing trace", async () => {
    const repository = { recentTraceIds: async () => [], analyses: async () => new Map() } as unknown as TraceRepository;
    const out = await new TracesCollector(repository, {
      signals: 50,
      timelineLimit: 1,
      maxSpansPerTrace: 1,
      traceUrl: () => null,
    }).collect(testQuery());
    assert.deepEqual(out.items, []);
  });
});
