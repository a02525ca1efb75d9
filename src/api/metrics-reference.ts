import type { Registry } from "prom-client";

const HEADER = `# Metrics reference

Every metric Sluice exports at \`GET /metrics\` (Prometheus text format), generated from the code by
\`npm run metrics-reference\`; the test suite fails when this page and the code disagree. Kafka metrics
appear only with \`kafka.enabled\`; traces and logs metrics only with \`traces.enabled\` and
\`otlpLogs.enabled\` (both on by default). Node.js process metrics (\`process_*\`, \`nodejs_*\`) are exported
too and are not listed.

| Metric | Type | Labels | Meaning |
| --- | --- | --- | --- |
`;

const SLIS = `
## Ticketing SLIs (M1–M10)

The \`sluice_sli_*\` gauges cover the incidents **created** within \`sli.window\` (default 24h) before the scrape;
\`GET /api/stats?since=&until=\` gives the same figures, as JSON, for the incidents created in any range
\`[since, until]\` (default: the last \`sli.window\`). Both are computed from the store at each request, so every
replica reports the same figures (take one replica's, do not sum them). Latencies are summarised with
nearest-rank percentiles (\`quantile\` 0.5, 0.9, 0.99: the smallest value with at least that share at or below
it) plus \`_sum\` and \`_count\`; a ratio with no denominator yet is NaN (JSON: null).

| SLI | Definition |
| --- | --- |
| M1 ticket creation latency | Per ticket: from the incident's first signal's **own** timestamp to the platform confirming the ticket's creation (the create delivery succeeding), by platform and the incident's severity. Clock-skew guard: an incident whose first signal is stamped more than \`sli.futureTolerance\` (5m) after Sluice opened it (\`future\`), or more than \`sli.maxEventAge\` (24h) before (\`too_old\`), is counted in \`sluice_sli_clock_skew_incidents\` and left out. The arrival-based figure stays as \`sluice_signal_to_delivery_seconds\`. |
| Outcome | How a resolved incident ended: \`fixed\`, \`false_positive\`, \`duplicate\`, \`auto_resolved\` or \`not_actionable\`. Given with \`POST /api/incidents/:id/resolve {"outcome": …}\`, or mapped from the platform's resolution or close code when the resolve comes through sync (\`sli.outcomes.<platform>\` first, then the defaults: Jira Done/Fixed → fixed, Duplicate → duplicate, Won't Do/Cannot Reproduce/Declined → false_positive, Won't Fix → not_actionable; ServiceNow Solved (…) → fixed, Not Solved (Not Reproducible) → false_positive, Not Solved (Too Costly) → not_actionable, Duplicate → duplicate). Without one: an incident merged into another is a duplicate, one Sluice resolved itself (quiet period, its alerts resolving) auto_resolved, a person's resolve without an outcome unknown (left out of M2 and M4). A reopen forgets the outcome; the latest resolve's counts. Recorded as an \`outcome\` timeline entry. |
| M2 ticket accuracy | Resolved incidents that ended \`fixed\` or \`auto_resolved\` ÷ resolved incidents with an outcome. |
| M3 duplicate ticket rate | Incidents merged into another or resolved as \`duplicate\` ÷ incidents created. |
| M4 false-positive rate | Resolved incidents that ended \`false_positive\` ÷ resolved incidents with an outcome. |
| M5 time to assign | From the first ticket's creation to the first assignment a platform reports (an assignment that acknowledged by \`lifecycle.autoAcknowledge\` counts); reassignments (a later assignment to someone else) in \`sluice_sli_reassignments\`, and assigned incidents reassigned at least once ÷ assigned incidents in \`sluice_sli_reassigned_ratio\` (a sign of misrouting). |
| M6 time to acknowledge | From the first ticket's creation to the acknowledgement. (\`sluice_time_to_acknowledge_seconds\`, from the first signal, stays.) |
| M7 time to resolve | From the first ticket's creation to the resolution, over resolved incidents. (\`sluice_time_to_resolve_seconds\`, from the first signal, stays.) |
| M8 escalation rate | Incidents escalated at least once (by policy or by hand) ÷ incidents created. |
| M9 enrichment success | Incidents with a ticket whose context holds every part of \`sli.requiredContext\` (default: an owner and a runbook from the catalog; also \`changes\`, \`trace\`, \`affectedUsers\`, \`similar\`) ÷ incidents with a ticket. |
| M10 automation success | Remediation runs (docs/remediation.md) that healed ÷ runs that concluded (verified or failed), over the runs **created** in the range: \`m10AutomationSuccess\` at \`GET /api/stats\` (with \`succeeded\`, \`concluded\`, \`runs\`); per playbook and over all time, \`sluice_remediation_success_ratio\` and \`GET /api/remediations/stats\`. A run heals when its verification holds, no human acted on the incident meanwhile, and it did not reopen within \`reopenWindow\`. |
`;

/** docs/metrics.md: one row per Sluice metric in `registry`, sorted by name, and the SLIs' definitions. */
export function renderMetricsReference(registry: Registry): string {
  const rows = registry
    .getMetricsAsArray()
    .filter((metric) => metric.name.startsWith("sluice_"))
    .sort((a, b) => a.name.localeCompare(b.name))
    .map((metric) => {
      // prom-client keeps each metric's label names on the object; its types do not declare them.
      const labels = ((metric as unknown as { labelNames?: readonly string[] }).labelNames ?? []).map((l) => `\`${l}\``);
      return `| \`${metric.name}\` | ${metric.type} | ${labels.join(", ") || "—"} | ${metric.help.replaceAll("|", "\\|")} |`;
    });
  return `${HEADER}${rows.join("\n")}\n${SLIS}`;
}
