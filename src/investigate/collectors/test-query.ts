import type { Incident } from "../../core/incident.ts";
import type { Budget, InvestigationQuery } from "./collector.ts";

export const ONSET = Date.parse("2026-11-02T10:00:00Z");
const MINUTE = 60_000;

/** An incident of payments (acme/production) that opened at ONSET, for collector tests. */
export function testIncident(fields: Partial<Incident> = {}): Incident {
  return {
    id: "inc-1",
    number: 1,
    key: "INC-1",
    fingerprint: "fp",
    kind: "anomaly",
    title: "payments error rate",
    tenant: "acme",
    service: "payments",
    environment: "production",
    errorPattern: "timeout after <*>ms calling bank",
    patternId: null,
    severity: "high",
    priority: "P2",
    state: "open",
    firstSeenAt: ONSET,
    lastSeenAt: ONSET + 5 * MINUTE,
    signalCount: 3,
    escalationLevel: 0,
    platforms: ["memory"],
    matchedRule: "default",
    summary: "",
    summarySource: "template",
    context: {},
    createdAt: ONSET,
    updatedAt: ONSET,
    acknowledgedAt: null,
    resolvedAt: null,
    version: 1,
    ...fields,
  };
}

/** The query the investigation would build: an hour of window, an hour of baseline before it. */
export function testQuery(fields: Partial<InvestigationQuery> = {}): InvestigationQuery {
  return {
    incident: testIncident(),
    onsetAt: ONSET,
    from: ONSET - 60 * MINUTE,
    to: ONSET + 10 * MINUTE,
    baselineFrom: ONSET - 120 * MINUTE,
    services: ["payments", "checkout", "bank"],
    edges: [
      { caller: "checkout", callee: "payments" },
      { caller: "payments", callee: "bank" },
    ],
    graph: { edges: [], traces: {}, reached: {} },
    ...fields,
  };
}

/** A budget of `steps` query steps that never runs out of time. */
export function testBudget(steps = 100): Budget & { used: () => number } {
  let used = 0;
  return {
    take: () => {
      if (used >= steps) return false;
      used++;
      return true;
    },
    signal: new AbortController().signal,
    used: () => used,
  };
}
