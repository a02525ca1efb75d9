import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { scoreExtra, strengthOf } from "./extra-points.ts";
import { DEFAULT_ANALYSIS_SETTINGS as S } from "./settings.ts";
import { MINUTE, ONSET } from "./test-fixtures.ts";
import type { ExtraEvidence, WorkloadCondition } from "./types.ts";

const change = (node: string, at: number, id = `c:${node}:${at}`): ExtraEvidence => ({
  kind: "change",
  id,
  node,
  at,
  summary: "deploy",
});

describe("strengthOf", () => {
  it("rates a change by how shortly before onset it happened", () => {
    assert.equal(strengthOf(change("api", ONSET), ONSET, S), 1);
    assert.equal(strengthOf(change("api", ONSET - S.changeHalfLife), ONSET, S), 0.5);
    assert.equal(strengthOf(change("api", ONSET + MINUTE), ONSET, S), 0, "a change after onset cannot have caused it");
    assert.equal(strengthOf(change("api", ONSET - S.changeHorizon - 1), ONSET, S), 0);
  });

  it("takes trace shares and similarities as given, clamped to [0, 1]", () => {
    assert.equal(strengthOf({ kind: "trace-root-cause", id: "t", node: "db", share: 0.8, summary: "" }, ONSET, S), 0.8);
    assert.equal(strengthOf({ kind: "trace-root-cause", id: "t", node: "db", share: 3, summary: "" }, ONSET, S), 1);
    assert.equal(strengthOf({ kind: "similar-incident", id: "s", node: "db", similarity: -1, summary: "" }, ONSET, S), 0);
    assert.equal(strengthOf({ kind: "similar-incident", id: "s", node: "db", similarity: Number.NaN, summary: "" }, ONSET, S), 0);
  });

  it("rates a new error pattern fully when it appeared after the node's last change", () => {
    assert.equal(strengthOf({ kind: "error-pattern", id: "p", node: "api", afterChange: true, summary: "" }, ONSET, S), 1);
    assert.equal(strengthOf({ kind: "error-pattern", id: "p", node: "api", afterChange: false, summary: "" }, ONSET, S), 0.5);
  });

  it("rates a workload condition by its kind and how near onset it began, on either side", () => {
    const workload = (condition: WorkloadCondition, at: number): ExtraEvidence => ({
      kind: "workload",
      id: "k",
      node: "cart",
      condition,
      at,
      summary: "",
    });
    assert.equal(strengthOf(workload("oom-killed", ONSET), ONSET, S), 1);
    assert.equal(
      strengthOf(workload("oom-killed", ONSET + S.changeHalfLife), ONSET, S),
      0.5,
      "a leak's OOM kill may follow onset",
    );
    assert.equal(strengthOf(workload("pending", ONSET - S.changeHalfLife), ONSET, S), 0.5);
    assert.equal(strengthOf(workload("restarts", ONSET - 2 * S.changeHalfLife), ONSET, S), 0.25);
    assert.equal(strengthOf(workload("not-ready", ONSET), ONSET, S), 0.5, "not ready may be a dependency's fault");
    assert.equal(
      strengthOf(workload("oom-killed", ONSET - S.changeHorizon - 1), ONSET, S),
      0,
      "a chronic crash loop is background",
    );
    assert.equal(strengthOf(workload("oom-killed", Number.NaN), ONSET, S), 0);
  });
});

describe("scoreExtra", () => {
  it("adds weight × strength per kind, counting only the strongest item of a kind per node", () => {
    const scores = scoreExtra(
      [
        change("api", ONSET - S.changeHalfLife, "c1"),
        change("api", ONSET - MINUTE * 0, "c2"),
        { kind: "trace-root-cause", id: "t1", node: "api", share: 0.5, summary: "" },
        change("db", ONSET + MINUTE, "late"),
      ],
      ONSET,
      S,
    );
    assert.deepEqual(scores.get("api")?.points, {
      change: S.weights.change,
      "trace-root-cause": S.weights["trace-root-cause"] * 0.5,
    });
    assert.deepEqual(scores.get("api")?.evidence, ["c1", "c2", "t1"]);
    assert.equal(scores.has("db"), false, "evidence without strength is neither scored nor cited");
  });
});
