import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { CallGraph } from "./call-graph.ts";
import { scoreMetrics } from "./metric-points.ts";
import { DEFAULT_ANALYSIS_SETTINGS as S } from "./settings.ts";
import { departed, MINUTE, ONSET, quiet } from "./test-fixtures.ts";

// web → api → db ; web → lb (opaque) ; api → queue ; web → batch → queue
const graph = new CallGraph(
  [
    { caller: "web", callee: "api" },
    { caller: "api", callee: "db" },
    { caller: "web", callee: "lb" },
    { caller: "api", callee: "queue" },
    { caller: "web", callee: "batch" },
    { caller: "batch", callee: "queue" },
  ],
  [["lb", "opaque"]],
);

describe("scoreMetrics", () => {
  it("scores a node by ln(1 + its cumulative departure) and cites its series", () => {
    const scores = scoreMetrics(graph, [departed("db", 20)], "db", S);
    const db = scores.get("db");
    assert.ok(db);
    assert.equal(db.departure, Math.log1p(20));
    assert.equal(db.points, Math.log1p(20));
    assert.deepEqual(db.evidence, ["m:db:latency"]);
  });

  it("scores only departed nodes", () => {
    const scores = scoreMetrics(graph, [quiet("web"), departed("db", 5)], "web", S);
    assert.deepEqual([...scores.keys()], ["db"]);
  });

  it("lets a departed callee explain its caller, which keeps explainedFactor of its points", () => {
    const scores = scoreMetrics(graph, [departed("web", 50), departed("api", 50), departed("db", 10)], "web", S);
    assert.deepEqual(scores.get("api")?.explainedBy, ["db"]);
    assert.deepEqual(scores.get("web")?.explainedBy, ["api"]);
    assert.deepEqual(scores.get("db")?.explainedBy, []);
    assert.equal(scores.get("api")?.points, Math.log1p(50) * S.explainedFactor);
    assert.ok((scores.get("db")?.points ?? 0) > (scores.get("api")?.points ?? 0), "the origin outranks the louder symptom");
  });

  it("does not let a callee that departed later explain a caller", () => {
    const scores = scoreMetrics(graph, [departed("api", 30, ONSET), departed("db", 30, ONSET + 5 * MINUTE)], "api", S);
    assert.deepEqual(scores.get("api")?.explainedBy, []);
    // …and its lag is reported, but scores nothing: time orders nodes only along a dependency.
    const lagged = scores.get("db");
    assert.equal(lagged?.onsetLag, 5 * MINUTE);
    assert.equal(lagged?.points, Math.log1p(30));
  });

  it("counts departures within one sample of each other as simultaneous when given the resolution", () => {
    // Scraped at different offsets, a callee's series can cross the threshold one sample after its caller's.
    const metrics = [departed("api", 30, ONSET), departed("db", 30, ONSET + 1000)];
    assert.deepEqual(scoreMetrics(graph, metrics, "api", S).get("api")?.explainedBy, [], "without: ordered by time");
    assert.deepEqual(scoreMetrics(graph, metrics, "api", S, 1000).get("api")?.explainedBy, ["db"]);
    const later = [departed("api", 30, ONSET), departed("db", 30, ONSET + 2001)];
    assert.deepEqual(scoreMetrics(graph, later, "api", S, 1000).get("api")?.explainedBy, [], "two samples later: not");
  });

  it("does not let an unrelated earlier departure cost a later one points", () => {
    // batch blipped five minutes before db departed; neither calls the other, so the order says nothing.
    const scores = scoreMetrics(
      graph,
      [departed("web", 10, ONSET + 5 * MINUTE), departed("batch", 8, ONSET), departed("db", 30, ONSET + 5 * MINUTE)],
      "web",
      S,
    );
    assert.equal(scores.get("db")?.points, Math.log1p(30));
    assert.ok((scores.get("db")?.points ?? 0) > (scores.get("batch")?.points ?? 0));
  });

  it("reaches the symptom only through callers that departed or were not measured", () => {
    // db → api → web: api quiet blocks the path; api unmeasured lets it through.
    const blocked = scoreMetrics(graph, [departed("web", 10), quiet("api"), departed("db", 10)], "web", S);
    assert.equal(blocked.get("db")?.reachesSymptom, false);
    assert.equal(blocked.get("db")?.points, Math.log1p(10) * S.unreachableFactor);
    const open = scoreMetrics(graph, [departed("web", 10), departed("db", 10)], "web", S);
    assert.equal(open.get("db")?.reachesSymptom, true);
    assert.deepEqual(open.get("db")?.evidence, ["m:db:latency", "m:web:latency"], "cites the symptoms it explains on the way up");
  });

  it("weighs an opaque node by its kind: quiet callees prove nothing there", () => {
    const scores = scoreMetrics(graph, [departed("web", 10), departed("lb", 40), departed("api", 20)], "web", S);
    assert.equal(scores.get("lb")?.points, Math.log1p(40) * S.kindWeights.opaque);
    assert.equal(scores.get("api")?.points, Math.log1p(20));
    assert.ok((scores.get("api")?.points ?? 0) > (scores.get("lb")?.points ?? 0));
  });

  it("takes a node's strongest series, and its departure time from that series", () => {
    const scores = scoreMetrics(
      graph,
      [departed("db", 5, ONSET + MINUTE, "latency"), departed("db", 30, ONSET + 2 * MINUTE, "errors")],
      "db",
      S,
    );
    const db = scores.get("db");
    assert.equal(db?.departure, Math.log1p(30));
    // The weaker latency series crossed a minute earlier; the node departed when the series that scores it did.
    assert.equal(db?.departedAt, ONSET + 2 * MINUTE);
    assert.deepEqual(db?.evidence, ["m:db:latency", "m:db:errors"]);
  });
});
