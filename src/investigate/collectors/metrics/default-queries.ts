import { ownValue } from "../../../core/own.ts";
import type { BadDirection } from "../../analysis/types.ts";

/** One series to measure for a service: PromQL with `$service` in it, and which way is worse. */
export interface MetricQuery {
  name: string;
  query: string;
  direction: BadDirection;
  /** Smallest scale in the series' unit when its normal level is exactly 0 (an error ratio at 0). */
  floor?: number;
}

// OpenTelemetry semantic conventions: http.server.request.duration, a histogram in seconds, with the resource's
// service.name as the `service_name` label. The Collector's Prometheus exporter appends the unit
// (`http_server_request_duration_seconds_count`), the SDKs' own exporters do not (`…_duration_count`): the
// name is matched both ways. process_cpu_seconds_total is what every Prometheus client library exports.
const HTTP = "http_server_request_duration(_seconds)?";
const series = (suffix: string, labels: string) => `{__name__=~"${HTTP}_${suffix}",${labels}}`;
const SERVICE = 'service_name="$service"';

/** Request rate, error ratio, p95 latency and CPU saturation of a service: the defaults when the config names none. */
export const DEFAULT_METRIC_QUERIES: readonly MetricQuery[] = Object.freeze([
  { name: "request-rate", query: `sum(rate(${series("count", SERVICE)}[5m]))`, direction: "both" },
  {
    name: "error-ratio",
    // `or vector(0)`: a service that never failed has no 5xx series at all, and its ratio is 0, not missing.
    query: `(sum(rate(${series("count", `${SERVICE},http_response_status_code=~"5.."`)}[5m])) or vector(0)) / sum(rate(${series("count", SERVICE)}[5m]))`,
    direction: "up",
    // Half a percent: a service that never failed departs on the first errors that matter, not on one request.
    floor: 0.005,
  },
  {
    name: "latency-p95",
    query: `histogram_quantile(0.95, sum by (le) (rate(${series("bucket", SERVICE)}[5m])))`,
    direction: "up",
    floor: 0.001,
  },
  { name: "cpu", query: `sum(rate(process_cpu_seconds_total{job="$service"}[5m]))`, direction: "up", floor: 0.001 },
]);

/**
 * The queries of one service: the config's for it (the operator's word), else its catalog entry's `metrics`,
 * else the config's `queries`, else the defaults.
 */
export function queriesFor(
  service: string,
  config: {
    queries?: readonly MetricQuery[];
    services: Readonly<Record<string, readonly MetricQuery[]>>;
    catalog?: (service: string) => readonly MetricQuery[] | null | undefined;
  },
): MetricQuery[] {
  // The service name is the sender's ("constructor" too): only the config's own entries count.
  const own = ownValue(config.services, service) ?? config.catalog?.(service) ?? config.queries ?? DEFAULT_METRIC_QUERIES;
  // Label values are quoted in PromQL; a service name with a quote or backslash is escaped, not trusted.
  const quoted = service.replace(/[\\"]/g, (c) => `\\${c}`);
  return own.map((q) => ({ ...q, query: q.query.replaceAll("$service", quoted) }));
}
