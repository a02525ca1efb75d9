import type { EvidenceItem, StepExecuted } from "../../../core/investigation.ts";
import { measureDeparture } from "../../analysis/departure.ts";
import { robustBaseline } from "../../analysis/robust-baseline.ts";
import type { AnalysisSettings } from "../../analysis/settings.ts";
import type { MetricEvidence } from "../../analysis/types.ts";
import type { Budget, Collected, Collector, InvestigationQuery } from "../collector.ts";
import { emptyCollected } from "../collector.ts";
import { type MetricQuery, queriesFor } from "./default-queries.ts";
import type { PrometheusClient, RangeSeries } from "./prometheus-client.ts";

export interface MetricsCollectorOptions {
  stepMs: number;
  queries?: readonly MetricQuery[];
  services: Readonly<Record<string, readonly MetricQuery[]>>;
  /** A service's own series from its catalog entry. */
  catalog?: (service: string) => readonly MetricQuery[] | null | undefined;
  /** Graph links for people (Prometheus's /graph page), from `linkUrl` or the API's URL. */
  linkUrl: string;
  /** Most services measured: the incident's own first, then its neighbours. */
  maxServices: number;
  /**
   * How long before the first signal the fault may have begun (ms, default 0). An alert fires after its `for`
   * and its rate windows, so the departure that caused it lies before the incident's first signal; series are
   * judged from this long before it (never before the evidence window starts).
   */
  lead?: number;
}

/**
 * query_range for the incident's service and its neighbours: one query per series over the baseline window
 * and the incident's window together, then how far and when each departed from the baseline (the analysis's
 * robust baseline and departure). Quiet series are evidence too: a quiet caller blocks a propagation path.
 */
export class MetricsCollector implements Collector {
  readonly source = "metrics" as const;

  constructor(
    private readonly prometheus: PrometheusClient,
    private readonly options: MetricsCollectorOptions,
    private readonly settings: AnalysisSettings,
  ) {}

  describe(query: InvestigationQuery): string {
    return `query_range of ${this.services(query).join(", ")}`;
  }

  private services(query: InvestigationQuery): string[] {
    return query.services.slice(0, this.options.maxServices);
  }

  async collect(query: InvestigationQuery, budget: Budget): Promise<Collected> {
    const out = emptyCollected();
    let n = 0;
    for (const service of this.services(query)) {
      for (const metric of queriesFor(service, this.options)) {
        const started = Date.now();
        const step = (status: StepExecuted["status"], items: number, note: string | null): StepExecuted => ({
          collector: "metrics",
          query: metric.query,
          status,
          items,
          ms: Date.now() - started,
          note,
        });
        if (!budget.take()) {
          out.steps.push(step("skipped", 0, "out of query steps"));
          continue;
        }
        let series: Awaited<ReturnType<PrometheusClient["queryRange"]>>;
        try {
          series = await this.prometheus.queryRange(
            metric.query,
            query.baselineFrom,
            query.to,
            this.options.stepMs,
            budget.signal,
          );
        } catch (error) {
          out.steps.push(
            step(budget.signal.aborted ? "timed-out" : "failed", 0, error instanceof Error ? error.message : String(error)),
          );
          continue;
        }
        // An aggregated query answers one series; a query by label more. Each is measured, at most three.
        let measured = 0;
        for (const s of series.slice(0, 3)) {
          const id = `metrics-${n + 1}`;
          const found = this.measure(s, metric, service, series.length > 1, query, id);
          if (!found) continue;
          n++;
          out.metrics.push(found.metric);
          out.items.push(found.item);
          measured++;
        }
        out.steps.push(step("ok", measured, series.length === 0 ? "no series" : null));
      }
    }
    return out;
  }

  /**
   * One ad-hoc read-only query (the LLM's tool), measured like the collector's own series and returned as
   * evidence `id`; never handed to the analysis, so it cannot move the ranking.
   */
  async probe(promql: string, query: InvestigationQuery, id: string, signal: AbortSignal): Promise<EvidenceItem> {
    const series = await this.prometheus.queryRange(promql, query.baselineFrom, query.to, this.options.stepMs, signal);
    const metric: MetricQuery = { name: "query", query: promql, direction: "both" };
    const lines = series
      .slice(0, 3)
      .map((s) => this.measure(s, metric, "", true, query, id)?.item.summary)
      .filter((line): line is string => Boolean(line));
    const summary =
      series.length === 0
        ? "no series"
        : lines.length === 0
          ? `${series.length} series, too little baseline to judge`
          : lines.join("; ");
    return { id, source: "metrics", query: promql, summary, link: this.graphLink(promql, query) };
  }

  private measure(
    s: RangeSeries,
    metric: MetricQuery,
    service: string,
    labelled: boolean,
    query: InvestigationQuery,
    id: string,
  ): { metric: MetricEvidence; item: EvidenceItem } | null {
    const normal = s.samples.filter((sample) => sample.end <= query.from).map((sample) => sample.value);
    const baseline = robustBaseline(normal, { ...this.settings, absoluteScaleFloor: metric.floor });
    if (!baseline) return null;
    const window = s.samples.filter((sample) => sample.end > query.from);
    const departure = measureDeparture(baseline, window, {
      onsetAt: Math.max(query.from, query.onsetAt - (this.options.lead ?? 0)),
      direction: metric.direction,
      threshold: this.settings.threshold,
    });
    const labels = Object.entries(s.labels)
      .filter(([k]) => k !== "__name__")
      .map(([k, v]) => `${k}=${v}`)
      .join(",");
    const name = [service, metric.name].filter(Boolean).join(" ") + (labelled && labels ? ` {${labels}}` : "");
    const summary = departure.departedAt
      ? `${name} departed at ${new Date(departure.departedAt).toISOString()} (${Math.round((departure.departedAt - query.onsetAt) / 1000)}s from onset): peak ${departure.peak.toFixed(1)} robust SD from its baseline ${formatValue(baseline.center)}`
      : `${name} stayed within its baseline ${formatValue(baseline.center)} (peak ${departure.peak.toFixed(1)} robust SD)`;
    return {
      metric: { id, node: service, metric: metric.name, departure, summary },
      item: { id, source: "metrics", query: metric.query, summary, link: this.graphLink(metric.query, query) },
    };
  }

  private graphLink(expr: string, query: InvestigationQuery): string {
    const url = new URL("graph", this.options.linkUrl.endsWith("/") ? this.options.linkUrl : `${this.options.linkUrl}/`);
    // Links go into tickets: credentials written into the URL never do.
    url.username = "";
    url.password = "";
    url.searchParams.set("g0.expr", expr);
    url.searchParams.set("g0.tab", "0");
    url.searchParams.set("g0.range_input", `${Math.max(1, Math.ceil((query.to - query.baselineFrom) / 60_000))}m`);
    url.searchParams.set("g0.end_input", new Date(query.to).toISOString());
    return url.toString();
  }
}

function formatValue(value: number): string {
  return Number.isInteger(value) ? String(value) : value.toPrecision(3);
}
