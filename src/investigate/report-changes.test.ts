import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { InvestigationReport } from "../core/investigation.ts";
import { sampleReport } from "../testing/investigation-fixture.ts";
import { addsSomething, lastSentVersion } from "./report-changes.ts";

describe("addsSomething", () => {
  const base = sampleReport();

  it("is false for a re-run whose figures, timings, steps and narrative moved but whose content did not", () => {
    const rerun: InvestigationReport = {
      ...base,
      version: 2,
      trigger: "requested",
      startedAt: base.startedAt + 60_000,
      finishedAt: base.finishedAt + 61_000,
      hypotheses: base.hypotheses.map((h) => ({
        ...h,
        confidence: h.confidence - 0.03,
        statement: h.statement.replace("82%", "79%"),
      })),
      evidence: base.evidence.map((e) => ({ ...e, summary: e.summary.replace("31.0", "29.5") })),
      steps: base.steps.map((s) => ({ ...s, ms: s.ms + 7 })),
      narrative: { model: "m", text: "worded anew", hypotheses: [] },
    };
    assert.equal(addsSomething(base, rerun), false);
  });

  it("is true for a new hypothesis, new evidence, a new action or another outcome", () => {
    const [first, second] = base.hypotheses;
    assert.ok(first && second);
    assert.equal(addsSomething(base, { ...base, hypotheses: [second, first] }), true);
    const extra = { id: "logs-2", source: "logs" as const, query: "q", summary: "NEW pattern", link: null };
    assert.equal(addsSomething(base, { ...base, evidence: [...base.evidence, extra] }), true);
    const action = { kind: "runbook" as const, text: "Restart the pool", link: null, evidence: [] };
    assert.equal(addsSomething(base, { ...base, actions: [...base.actions, action] }), true);
    assert.equal(addsSomething(base, { ...base, outcome: "abstained", reason: "not-decisive" }), true);
  });
});

describe("lastSentVersion", () => {
  it("skips back over versions that added nothing to the one the tickets hold", async () => {
    const a = sampleReport();
    const b = sampleReport({ actions: [] });
    // v1 = a (sent), v2 = a (not sent), v3 = b (sent), v4 = b (not sent), v5 = ?
    const versions: Record<number, InvestigationReport> = {
      1: { ...a, version: 1 },
      2: { ...a, version: 2 },
      3: { ...b, version: 3 },
      4: { ...b, version: 4 },
    };
    const read = async (v: number) => versions[v] ?? null;
    assert.equal(await lastSentVersion(read, 1), null);
    assert.equal(await lastSentVersion(read, 2), 1);
    assert.equal(await lastSentVersion(read, 3), 1);
    assert.equal(await lastSentVersion(read, 4), 3);
    assert.equal(await lastSentVersion(read, 5), 3);
  });
});
