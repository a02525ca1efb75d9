import { Gauge, type Registry } from "prom-client";
import type { Distribution, SliReport } from "./sli.ts";

type Labels = Record<string, string>;

/**
 * The ticketing SLIs at /metrics: gauges over the incidents created within `sli.window` before the scrape,
 * computed from the store at each scrape (so every replica reports the same figures: take one, not their
 * sum; while ingest is busy, at most once a minute: src/wiring/slis.ts). Latencies are exported like a
 * Prometheus summary: `{quantile}` plus `_sum` and `_count`. A ratio without a denominator yet is NaN.
 */
export function registerSliMetrics(
  registry: Registry,
  windowMs: number,
  report: () => Promise<SliReport>,
): { refresh(): Promise<void> } {
  const gauge = (name: string, help: string, labelNames: string[] = []) =>
    new Gauge({ name, help, labelNames, registers: [registry] });
  const summary = (name: string, help: string, labelNames: string[] = []) => ({
    quantiles: gauge(name, `${help} (quantile: nearest rank)`, [...labelNames, "quantile"]),
    sum: gauge(`${name}_sum`, `${help}: sum`, labelNames),
    count: gauge(`${name}_count`, `${help}: count`, labelNames),
  });
  gauge(
    "sluice_sli_window_seconds",
    "The time range the sluice_sli_* gauges cover (sli.window), ending when they were computed: at the scrape, or while ingest is busy (a storm) up to a minute before it",
  ).set(windowMs / 1000);
  const created = gauge(
    "sluice_sli_incidents_created",
    "Incidents created within sli.window: the denominator of the duplicate (M3) and escalation (M8) rates",
  );
  const m1 = summary(
    "sluice_sli_ticket_creation_seconds",
    "M1: from the first signal's own timestamp to the platform confirming the ticket's creation, by platform and severity, within sli.window",
    ["platform", "severity"],
  );
  const skew = gauge(
    "sluice_sli_clock_skew_incidents",
    "M1's guard: incidents within sli.window whose first signal's timestamp is from the future (beyond sli.futureTolerance) or older than sli.maxEventAge at arrival (too_old), left out of M1",
    ["reason"],
  );
  const ratios = {
    accuracy: gauge(
      "sluice_sli_ticket_accuracy_ratio",
      "M2: resolved incidents that ended fixed or auto_resolved ÷ resolved incidents with an outcome, within sli.window",
    ),
    duplicates: gauge(
      "sluice_sli_duplicate_ratio",
      "M3: incidents merged into another or resolved as duplicate ÷ incidents created, within sli.window",
    ),
    falsePositives: gauge(
      "sluice_sli_false_positive_ratio",
      "M4: resolved incidents that ended false_positive ÷ resolved incidents with an outcome, within sli.window",
    ),
    reassigned: gauge(
      "sluice_sli_reassigned_ratio",
      "M5: assigned incidents reassigned on their platform at least once ÷ assigned incidents, within sli.window (a sign of misrouting)",
    ),
    escalation: gauge(
      "sluice_sli_escalation_ratio",
      "M8: incidents escalated at least once ÷ incidents created, within sli.window",
    ),
    enrichment: gauge(
      "sluice_sli_enrichment_success_ratio",
      "M9: incidents with a ticket whose context has every part of sli.requiredContext ÷ incidents with a ticket, within sli.window",
    ),
  };
  const reassignments = gauge(
    "sluice_sli_reassignments",
    "M5: reassignments on platforms after the first assignment, within sli.window",
  );
  const m5 = summary(
    "sluice_sli_time_to_assign_seconds",
    "M5: from the first ticket's creation to the first assignment on a platform, within sli.window",
  );
  const m6 = summary(
    "sluice_sli_time_to_acknowledge_seconds",
    "M6: from the first ticket's creation to the acknowledgement, within sli.window",
  );
  const m7 = summary(
    "sluice_sli_time_to_resolve_seconds",
    "M7: from the first ticket's creation to the resolution, within sli.window",
  );
  const outcomes = gauge(
    "sluice_sli_resolve_outcomes",
    "Resolved incidents within sli.window by how they ended (fixed, false_positive, duplicate, auto_resolved, not_actionable): the input of M2–M4",
    ["outcome"],
  );
  const setSummary = (target: ReturnType<typeof summary>, values: Distribution, labels: Labels = {}) => {
    for (const [quantile, value] of [
      ["0.5", values.p50],
      ["0.9", values.p90],
      ["0.99", values.p99],
    ] as const)
      target.quantiles.set({ ...labels, quantile }, value ?? Number.NaN);
    target.sum.set(labels, values.sum);
    target.count.set(labels, values.count);
  };
  const or = (value: number | null) => value ?? Number.NaN;
  return {
    // Called by GET /metrics before it renders the registry.
    async refresh() {
      const latest = await report();
      created.set(latest.created);
      for (const part of [m1.quantiles, m1.sum, m1.count]) part.reset();
      for (const row of latest.m1TicketCreation.byPlatformAndSeverity)
        setSummary(m1, row, { platform: row.platform, severity: row.severity });
      skew.set({ reason: "future" }, latest.m1TicketCreation.clockSkew.future);
      skew.set({ reason: "too_old" }, latest.m1TicketCreation.clockSkew.tooOld);
      ratios.accuracy.set(or(latest.m2TicketAccuracy.ratio));
      ratios.duplicates.set(or(latest.m3DuplicateRate.ratio));
      ratios.falsePositives.set(or(latest.m4FalsePositiveRate.ratio));
      ratios.reassigned.set(or(latest.m5TimeToAssign.reassignedRatio));
      ratios.escalation.set(or(latest.m8EscalationRate.ratio));
      ratios.enrichment.set(or(latest.m9EnrichmentSuccess.ratio));
      reassignments.set(latest.m5TimeToAssign.reassignments);
      setSummary(m5, latest.m5TimeToAssign);
      setSummary(m6, latest.m6TimeToAcknowledge);
      setSummary(m7, latest.m7TimeToResolve);
      for (const [outcome, count] of Object.entries(latest.outcomes)) outcomes.set({ outcome }, count);
    },
  };
}
