import { createHash } from "node:crypto";
import type { DetectRuleConfig } from "../config/detect-config.ts";
import type { Severity } from "../core/signal.ts";
import type { EpisodeEvent } from "./episode.ts";

/** Everything about a series an anomaly event needs beyond the episode. */
export interface SeriesContext {
  rule: DetectRuleConfig;
  key: string;
  labels: Record<string, string>;
  /** What the rule queried (for SLO burn rate: the good and total queries). */
  query: string;
  /** The Prometheus URL rules are evaluated against, for the graph link. */
  prometheusUrl: string;
  /** "page" or "ticket" for an SLO burn-rate detection. */
  alert?: "page" | "ticket" | null;
}

/** The source name of every detection's anomaly event. */
export const DETECT_SOURCE = "detect";

type LabelSource = DetectRuleConfig["labels"]["service"];
type SeveritySource = NonNullable<DetectRuleConfig["labels"]["severity"]>;

function fromLabels(source: LabelSource, labels: Record<string, string>): string | undefined {
  if (typeof source === "string") return source;
  return labels[source.label] ?? source.default;
}

/** The series' severity from the rule's mapping; without one, high for a page and medium otherwise. */
export function severityOf(rule: DetectRuleConfig, labels: Record<string, string>, alert?: "page" | "ticket" | null): Severity {
  const fallback: Severity = alert === "page" ? "high" : "medium";
  const source: SeveritySource | undefined = rule.labels.severity;
  if (source === undefined) return fallback;
  if (typeof source === "string") return source;
  const value = labels[source.label];
  return (value !== undefined ? source.map?.[value] : undefined) ?? source.default ?? fallback;
}

/** A stable, short id for a series within its rule (labels can be long; event ids are at most 256 characters). */
export function seriesId(key: string): string {
  return createHash("sha256").update(key).digest("hex").slice(0, 16);
}

/**
 * The anomaly event of one episode event, in the anomaly scorer's document format (src/pipeline/normalize/
 * anomaly-event.ts), so it takes the same path as every other anomaly. Its score is the episode's peak: a
 * heartbeat during hysteresis, when the current score has dropped below the gate, still joins the incident.
 */
export function anomalyDocument(series: SeriesContext, event: EpisodeEvent): Record<string, unknown> {
  const { rule, labels } = series;
  const d = event.detection;
  const service = fromLabels(rule.labels.service, labels) ?? "unknown";
  const environment = rule.labels.environment ? fromLabels(rule.labels.environment, labels) : undefined;
  // Signal-stream rules query the store, not Prometheus: they have no graph to link.
  const graph =
    series.prometheusUrl === ""
      ? undefined
      : `${series.prometheusUrl.replace(/\/+$/, "")}/graph?g0.expr=${encodeURIComponent(series.query)}&g0.tab=0&g0.range_input=6h`;
  const metric = labels.__name__ ?? rule.name;
  return {
    event_id: `${rule.name}:${seriesId(series.key)}:${event.id}`,
    "@timestamp": d.time,
    anomaly_type: rule.detector.kind,
    anomaly_score: Math.min(Math.max(event.peak, 0), 1),
    severity: severityOf(rule, labels, series.alert),
    service,
    ...(environment ? { environment } : {}),
    status: event.status,
    message: `${rule.name}: ${d.reason}`,
    ...(rule.description ? { description: rule.description } : {}),
    labels: { ...labels, detect_rule: rule.name, detector: rule.detector.kind },
    metric,
    series: series.key,
    value: d.value,
    ...(d.baseline !== undefined ? { baseline: d.baseline } : {}),
    ...(d.deviation !== undefined ? { deviation: d.deviation } : {}),
    episode_start: new Date(event.start).toISOString(),
    query: series.query,
    ...(graph ? { graph_url: graph } : {}),
  };
}

/** The error pattern that keys a series' incidents: one incident per rule and series, whatever the reason's text. */
export function errorPatternOf(series: Pick<SeriesContext, "rule" | "key">): string {
  return `${series.rule.name} ${series.key}`;
}
