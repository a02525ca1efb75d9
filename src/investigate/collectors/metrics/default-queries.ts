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

// OpenTelemetry semantic conventions (http.server.request.duration, a histogram in seconds) as the
// Prometheus exporter and the collector's prometheus exporter name them, with the resource's service.name
// as the `service_name` label; process_cpu_seconds_total is what every Prometheus client library exports.
const HTTP = "http_server_request_duration_seconds";
const SERVICE = 'service_name="$service"';

/** Request rate, error ratio, p95 latency and CPU saturation of a service: the defaults when the config names none. */
export const DEFAULT_METRIC_QUERIES: readonly MetricQuery[] = Object.freeze([
  { name: "request-rate", query: `sum(rate(${HTTP}_count{${SERVICE}}[5m]))`, direction: "both" },
  {
    name: "error-ratio",
    query: `sum(rate(${HTTP}_count{${SERVICE},http_response_status_code=~"5.."}[5m])) / sum(rate(${HTTP}_count{${SERVICE}}[5m]))`,
    direction: "up",
    // Half a percent: a service that never failed departs on the first errors that matter, not on one request.
    floor: 0.005,
  },
  {
    name: "latency-p95",
    query: `histogram_quantile(0.95, sum by (le) (rate(${HTTP}_bucket{${SERVICE}}[5m])))`,
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
