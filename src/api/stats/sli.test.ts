import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { SliFacts, SliIncident } from "../../core/ports/sli-reads.ts";
import { computeSlis, distribution } from "./sli.ts";

const OPTIONS = { futureTolerance: 60_000, maxEventAge: 3_600_000, requiredContext: ["owner"] as const };

function incident(id: string, fields: Partial<SliIncident> = {}): SliIncident {
  return {
    id,
    severity: "high",
    state: "resolved",
    firstSeenAt: 0,
    createdAt: 1000,
    acknowledgedAt: null,
    resolvedAt: 10_000,
    escalationLevel: 0,
    context: {},
    ...fields,
  };
}

const entry = (incidentId: string, at: number, actor: string, action: string, detail = "") => ({
  incidentId,
  at,
  actor,
  action,
  detail,
  rule: null,
});

describe("computeSlis", () => {
  it("takes the outcome of the latest resolve: a reopen forgets the earlier one; Sluice's own resolves are auto_resolved", () => {
    const facts: SliFacts = {
      incidents: [incident("a"), incident("b"), incident("c"), incident("d", { state: "open" })],
      tickets: [],
      timeline: [
        entry("a", 1, "api:x", "resolved"),
        entry("a", 1, "api:x", "outcome", "false_positive"),
        entry("a", 2, "api:x", "reopened"),
        entry("a", 3, "jira:y", "resolved"),
        entry("b", 1, "sluice:auto-resolve", "resolved"),
        entry("c", 1, "api:x", "resolved"),
        entry("c", 1, "api:x", "outcome", "fixed"),
        entry("d", 1, "api:x", "resolved"),
        entry("d", 1, "api:x", "outcome", "fixed"),
        entry("d", 2, "api:x", "reopened"),
      ],
    };
    const report = computeSlis(facts, OPTIONS);
    // a: resolved again without one (unknown); b: auto_resolved; c: fixed; d: open again.
    assert.deepEqual(report.outcomes, { fixed: 1, false_positive: 0, duplicate: 0, auto_resolved: 1, not_actionable: 0 });
    assert.equal(report.m2TicketAccuracy.ratio, 1);
    assert.equal(report.m4FalsePositiveRate.ratio, 0);
  });

  it("guards M1 against clock skew at the configured bounds", () => {
    const facts: SliFacts = {
      incidents: [
        incident("edge-future", { firstSeenAt: 61_000, createdAt: 1000 }),
        incident("future", { firstSeenAt: 61_001, createdAt: 1000 }),
        incident("edge-old", { firstSeenAt: 0, createdAt: 3_600_000 }),
        incident("old", { firstSeenAt: 0, createdAt: 3_600_001 }),
      ],
      tickets: ["edge-future", "future", "edge-old", "old"].map((id) => ({
        incidentId: id,
        platform: "jira",
        createdAt: 3_700_000,
      })),
      timeline: [],
    };
    const report = computeSlis(facts, OPTIONS);
    assert.deepEqual(report.m1TicketCreation.clockSkew, { future: 1, tooOld: 1 });
    assert.deepEqual(report.m1TicketCreation.all.count, 2);
  });

  it("counts M9 only over incidents with a ticket, by the required parts", () => {
    const owner = { service: "s", team: "t", tier: null, runbookUrl: null, dashboards: [], escalation: null, source: "x" };
    const facts: SliFacts = {
      incidents: [incident("a", { context: { owner } }), incident("b"), incident("c", { context: { owner } })],
      tickets: [
        { incidentId: "a", platform: "jira", createdAt: 2000 },
        { incidentId: "b", platform: "jira", createdAt: 2000 },
      ],
      timeline: [],
    };
    assert.deepEqual(computeSlis(facts, OPTIONS).m9EnrichmentSuccess, {
      ratio: 0.5,
      enriched: 1,
      ticketed: 2,
      required: ["owner"],
    });
    assert.equal(computeSlis(facts, { ...OPTIONS, requiredContext: ["owner", "runbook"] }).m9EnrichmentSuccess.enriched, 0);
  });

  it("summarises with nearest-rank percentiles", () => {
    assert.deepEqual(distribution([]), { count: 0, sum: 0, mean: null, p50: null, p90: null, p99: null });
    const ten = distribution([10, 1, 9, 2, 8, 3, 7, 4, 6, 5]);
    assert.deepEqual([ten.p50, ten.p90, ten.p99, ten.mean], [5, 9, 10, 5.5]);
  });
});
