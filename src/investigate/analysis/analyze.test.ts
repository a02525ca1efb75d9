import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { type AnalysisInput, analyze } from "./analyze.ts";
import { CallGraph } from "./call-graph.ts";
import { DEFAULT_ANALYSIS_SETTINGS as S } from "./settings.ts";
import { departed, MINUTE, ONSET, quiet } from "./test-fixtures.ts";
import type { AnalysisResult, ExtraEvidence } from "./types.ts";

// web → api → db ; web → search ; web → lb (opaque)
const graph = new CallGraph(
  [
    { caller: "web", callee: "api" },
    { caller: "api", callee: "db" },
    { caller: "web", callee: "search" },
    { caller: "web", callee: "lb" },
  ],
  [["lb", "opaque"]],
);
const input = (metrics: AnalysisInput["metrics"], extra: ExtraEvidence[] = []): AnalysisInput => ({
  graph,
  symptom: "web",
  onsetAt: ONSET,
  metrics,
  extra,
});

function assertCitesOnly(result: AnalysisResult, given: AnalysisInput) {
  const ids = new Set([...given.metrics.map((m) => m.id), ...(given.extra ?? []).map((e) => e.id)]);
  for (const h of result.hypotheses) {
    assert.ok(h.evidence.length > 0, `${h.node} cites evidence`);
    for (const id of h.evidence) assert.ok(ids.has(id), `${h.node} cites ${id}, which exists`);
  }
}

describe("analyze", () => {
  it("names the dependency that departed first and most, not the louder callers it explains", () => {
    const given = input([departed("web", 40), departed("api", 120), departed("db", 60), quiet("search"), quiet("lb")]);
    const result = analyze(given);
    assert.deepEqual(
      result.hypotheses.map((h) => h.node),
      ["db", "api", "web"],
    );
    assert.equal(result.abstained, false);
    assert.equal(result.reason, null);
    const top = result.hypotheses[0];
    assert.ok(top && top.confidence >= S.minConfidence);
    assert.deepEqual(top.evidence, ["m:db:latency", "m:api:latency", "m:web:latency"]);
    assertCitesOnly(result, given);
    const shares = result.hypotheses.reduce((sum, h) => sum + h.confidence, result.unexplained);
    assert.ok(Math.abs(shares - 1) < 1e-12);
  });

  it("abstains with no evidence when nothing departed", () => {
    const result = analyze(input([quiet("web"), quiet("api"), quiet("db")]));
    assert.deepEqual(result.hypotheses, []);
    assert.equal(result.abstained, true);
    assert.equal(result.reason, "no-evidence");
    assert.equal(result.unexplained, 1);
  });

  it("abstains as not decisive when two independent dependencies departed alike", () => {
    const result = analyze(input([departed("web", 30), departed("api", 30), departed("search", 30), quiet("db")]));
    assert.equal(result.abstained, true);
    assert.equal(result.reason, "not-decisive");
    assert.deepEqual(
      result.hypotheses
        .map((h) => h.node)
        .slice(0, 2)
        .sort(),
      ["api", "search"],
      "both still ranked for a person",
    );
  });

  it("abstains on a lone departure barely past the threshold: it is not more likely than noise", () => {
    const result = analyze(input([quiet("web"), departed("search", 3.5)]));
    assert.equal(result.hypotheses[0]?.node, "search");
    assert.ok((result.hypotheses[0]?.confidence ?? 1) < 0.5);
    assert.equal(result.reason, "not-decisive");
  });

  it("lets a deploy shortly before onset decide between two alike departures, and cites it", () => {
    const deploy: ExtraEvidence = { kind: "change", id: "deploy-42", node: "search", at: ONSET - 5 * MINUTE, summary: "v42" };
    const given = input([departed("web", 30), departed("api", 30), departed("search", 30), quiet("db")], [deploy]);
    const result = analyze(given);
    const top = result.hypotheses[0];
    assert.equal(top?.node, "search");
    assert.equal(result.abstained, false);
    assert.ok(top?.evidence.includes("deploy-42"));
    assert.ok((top?.factors.extraPoints.change ?? 0) > 0);
    assertCitesOnly(result, given);
  });

  it("ignores a deploy that came after onset", () => {
    const late: ExtraEvidence = { kind: "change", id: "late", node: "search", at: ONSET + MINUTE, summary: "v43" };
    const result = analyze(input([departed("web", 30), departed("api", 30), departed("search", 30)], [late]));
    assert.equal(result.reason, "not-decisive");
    assert.ok(!result.hypotheses.some((h) => h.evidence.includes("late")));
  });

  it("can rest on a trace root cause alone when no metric of the node was measured", () => {
    const trace: ExtraEvidence = {
      kind: "trace-root-cause",
      id: "trace:abc",
      node: "db",
      share: 1,
      summary: "all failing traces end in db",
    };
    const result = analyze(input([quiet("web")], [trace]));
    assert.equal(result.hypotheses[0]?.node, "db");
    assert.deepEqual(result.hypotheses[0]?.evidence, ["trace:abc"]);
    assert.equal(result.hypotheses[0]?.score, S.weights["trace-root-cause"]);
    assert.equal(result.abstained, false);
  });

  it("gives the same result whatever the order of its input", () => {
    const metrics = [departed("web", 40), departed("api", 40), departed("search", 40), departed("lb", 80), quiet("db")];
    const a = analyze(input(metrics));
    const b = analyze(input([...metrics].reverse()));
    assert.deepEqual(a, b);
  });
});
