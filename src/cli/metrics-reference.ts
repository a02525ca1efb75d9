import { renderMetricsReference } from "../api/metrics-reference.ts";
import { prometheusKafkaMetrics } from "../sources/kafka/kafka-metrics.ts";
import { withDefaultsSluice } from "./defaults-sluice.ts";

/** The metrics reference of a Sluice with the defaults (traces and logs on) plus the Kafka source's metrics. */
export function metricsReference(): Promise<string> {
  return withDefaultsSluice((sluice) => {
    // Kafka is off by default (it needs brokers); its metrics are registered the way the source registers them.
    prometheusKafkaMetrics(sluice.metrics.registry);
    return renderMetricsReference(sluice.metrics.registry);
  });
}
