import type { InvestigationDelivery, InvestigationReport } from "../core/investigation.ts";

/** A report as the investigator stores it: an asserted hypothesis with evidence of every kind of link. */
export function sampleReport(overrides: Partial<InvestigationReport> = {}): InvestigationReport {
  const at = Date.UTC(2025, 0, 15, 9, 31, 0);
  return {
    incidentId: "01JHQZ8X6N7V4W3Y2T1S0R9Q8P",
    incidentKey: "INC-42",
    version: 1,
    trigger: "opened",
    startedAt: at,
    finishedAt: at + 1800,
    outcome: "hypothesis",
    reason: null,
    hypotheses: [
      {
        component: "payments",
        confidence: 0.82,
        statement:
          "payments is the likely root cause (confidence 82%): its 5xx ratio departed first; deployed v2.4.0 6 min before",
        evidence: ["metrics-1", "changes-1", "traces-1"],
      },
      { component: "checkout", confidence: 0.09, statement: "checkout departed after payments", evidence: ["metrics-2"] },
    ],
    evidence: [
      {
        id: "metrics-2",
        source: "metrics",
        query:
          'histogram_quantile(0.95, sum by (le) (rate(http_server_request_duration_seconds_bucket{service_name="checkout"}[5m])))',
        summary: "checkout p95 latency departed 12.4 scales at 09:30:40",
        link: "https://prometheus.example.com/graph?g0.expr=histogram_quantile&g0.range_input=2h",
      },
      {
        id: "metrics-1",
        source: "metrics",
        query:
          'sum(rate(http_server_request_duration_seconds_count{service_name="payments",http_response_status_code=~"5.."}[5m]))',
        summary: "payments 5xx ratio departed 31.0 scales at 09:29:50, first of all series",
        link: "https://prometheus.example.com/graph?g0.expr=sum(rate(x%7Cy[5m]))&g0.range_input=2h",
      },
      {
        id: "changes-1",
        source: "changes",
        query: "changes of payments, checkout since 08:30",
        summary: "deploy v2.4.0 of payments at 09:24 (commits a1b2c3d..e4f5a6b)",
        link: "https://github.com/acme/payments/compare/a1b2c3d...e4f5a6b",
      },
      {
        id: "traces-1",
        source: "traces",
        query: "failing traces of INC-42",
        summary: "root-cause span in payments in 14 of 17 failing traces",
        link: "4bf92f3577b34da6a3ce929d0e0e4736",
      },
      {
        id: "logs-1",
        source: "logs",
        query: '{service_name="payments"} |= "timeout acquiring"',
        summary: "NEW since the deploy: \"TypeError: Cannot read properties of undefined (reading 'amount')\" ×9",
        link: null,
      },
    ],
    steps: [
      { collector: "changes", query: "changes of payments, checkout", status: "ok", items: 1, ms: 3, note: null },
      { collector: "metrics", query: "12 series of 3 services", status: "ok", items: 12, ms: 140, note: null },
      { collector: "runbook", query: "sh: kubectl rollout undo", status: "skipped", items: 0, ms: 0, note: "writes: never run" },
    ],
    actions: [
      {
        kind: "rollback",
        text: "Roll back payments deploy v2.4.0 (09:24)",
        link: "https://github.com/acme/payments/compare/a1b2c3d...e4f5a6b",
        evidence: ["changes-1"],
      },
      { kind: "runbook", text: "Follow the payments runbook", link: "https://runbooks.example.com/payments", evidence: [] },
    ],
    rootCause: "payments — its 5xx ratio departed first; deployed v2.4.0 6 min before",
    ...overrides,
  };
}

/** The delivery of a report, superseding `supersedes` when given. */
export function sampleInvestigation(
  overrides: Partial<InvestigationReport> = {},
  supersedes: number | null = null,
): InvestigationDelivery {
  return { report: sampleReport(overrides), supersedes };
}

/** A report far past every platform's limits: long texts, 400 evidence items, 200 steps, multibyte text. */
export function hugeInvestigation(): InvestigationDelivery {
  const long = "ünïcödé ✓ ".repeat(600);
  return sampleInvestigation(
    {
      version: 3,
      hypotheses: [{ component: "payments", confidence: 0.7, statement: `payments: ${long}`, evidence: ["metrics-1"] }],
      evidence: Array.from({ length: 400 }, (_, i) => ({
        id: `metrics-${i + 1}`,
        source: "metrics" as const,
        query: `q${i}`,
        summary: `series ${i} ${long}`,
        link: `https://prometheus.example.com/graph?g0.expr=q${i}`,
      })),
      steps: Array.from({ length: 200 }, (_, i) => ({
        collector: "metrics" as const,
        query: `query ${i} ${long}`,
        status: "ok" as const,
        items: 1,
        ms: 1,
        note: null,
      })),
      actions: Array.from({ length: 40 }, (_, i) => ({
        kind: "runbook" as const,
        text: `step ${i} ${long}`,
        link: null,
        evidence: [],
      })),
      rootCause: `payments ${long}`,
    },
    2,
  );
}
