import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { ServiceGraph } from "../core/trace.ts";
import { analyseTrace } from "./analysis.ts";
import { blastRadius, downstreamOf, failingToward, upstreamOf } from "./graph.ts";
import { browseTrace, checkoutTrace } from "./test-fixtures.ts";

/** The graph the store would hold after these traces: the same counting, in memory. */
function graphOf(traces: ReturnType<typeof checkoutTrace>[]): ServiceGraph {
  const graph: ServiceGraph = { edges: [], traces: {}, reached: {} };
  for (const spans of traces) {
    const analysis = analyseTrace(spans, 100);
    assert.ok(analysis);
    for (const edge of analysis.edges) {
      const found = graph.edges.find((e) => e.caller === edge.caller && e.callee === edge.callee);
      if (found) {
        found.requests += edge.requests;
        found.errors += edge.errors;
      } else graph.edges.push({ ...edge });
    }
    for (const [service, reached] of Object.entries(analysis.reach)) {
      graph.traces[service] = (graph.traces[service] ?? 0) + 1;
      for (const target of reached) {
        graph.reached[service] ??= {};
        const row = graph.reached[service] as Record<string, number>;
        row[target] = (row[target] ?? 0) + 1;
      }
    }
  }
  return graph;
}

describe("service graph", () => {
  // 6 checkouts (2 failing in the database) and 4 page views served by frontend alone.
  const graph = graphOf([
    ...Array.from({ length: 4 }, () => checkoutTrace("none")),
    ...Array.from({ length: 2 }, () => checkoutTrace("database")),
    ...Array.from({ length: 4 }, () => browseTrace()),
  ]);

  it("finds transitive callers, nearest first, and callees", () => {
    assert.deepEqual(upstreamOf(graph, "postgresql/payments"), ["payments", "checkout", "frontend"]);
    assert.deepEqual([...downstreamOf(graph, "checkout")].sort(), ["payments", "postgresql/payments"]);
    assert.deepEqual(upstreamOf(graph, "frontend"), []);
  });

  it("gives each upstream service the share of its traced requests that reach the root cause", () => {
    assert.deepEqual(blastRadius(graph, "postgresql/payments"), [
      { service: "checkout", share: 1 },
      { service: "payments", share: 1 },
      { service: "frontend", share: 0.6 },
    ]);
    assert.deepEqual(blastRadius(graph, "checkout"), [{ service: "frontend", share: 0.6 }]);
  });

  it("says whether calls toward a service failed in the window", () => {
    assert.equal(failingToward(graph, "frontend", "postgresql/payments"), true);
    assert.equal(failingToward(graph, "checkout", "payments"), true);
    const healthy = graphOf([checkoutTrace("none"), browseTrace()]);
    assert.equal(failingToward(healthy, "frontend", "payments"), false);
  });
});
