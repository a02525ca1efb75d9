import type { StepExecuted } from "../../../core/investigation.ts";
import { measureDeparture } from "../../analysis/departure.ts";
import { robustBaseline } from "../../analysis/robust-baseline.ts";
import type { AnalysisSettings } from "../../analysis/settings.ts";
import type { Budget, Collected, Collector, InvestigationQuery } from "../collector.ts";
import { emptyCollected } from "../collector.ts";
import { type MetricQuery, queriesFor } from "./default-queries.ts";
import type { PrometheusClient } from "./prometheus-client.ts";

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
          const normal = s.samples.filter((sample) => sample.end <= query.from).map((sample) => sample.value);
          const baseline = robustBaseline(normal, { ...this.settings, absoluteScaleFloor: metric.floor });
          if (!baseline) continue;
          const window = s.samples.filter((sample) => sample.end > query.from);
          const departure = measureDeparture(baseline, window, {
            onsetAt: query.onsetAt,
            direction: metric.direction,
            threshold: this.settings.threshold,
          });
          const id = `metrics-${++n}`;
          const labels = Object.entries(s.labels)
            .filter(([k]) => k !== "__name__")
            .map(([k, v]) => `${k}=${v}`)
            .join(",");
          const name = `${service} ${metric.name}${series.length > 1 && labels ? ` {${labels}}` : ""}`;
          const summary = departure.departedAt
            ? `${name} departed at ${new Date(departure.departedAt).toISOString()} (${Math.round((departure.departedAt - query.onsetAt) / 1000)}s from onset): peak ${departure.peak.toFixed(1)} robust SD from its baseline ${formatValue(baseline.center)}`
            : `${name} stayed within its baseline ${formatValue(baseline.center)} (peak ${departure.peak.toFixed(1)} robust SD)`;
          out.metrics.push({ id, node: service, metric: metric.name, departure, summary });
          out.items.push({ id, source: "metrics", query: metric.query, summary, link: this.graphLink(metric.query, query) });
          measured++;
        }
        out.steps.push(step("ok", measured, series.length === 0 ? "no series" : null));
      }
    }
    return out;
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
