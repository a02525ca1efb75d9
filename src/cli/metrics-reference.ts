import pino from "pino";
import { renderMetricsReference } from "../api/metrics-reference.ts";
import { parseConfig } from "../config/loader.ts";
import { createSluice } from "../main.ts";
import { prometheusKafkaMetrics } from "../sources/kafka/kafka-metrics.ts";

/** The metrics reference of a Sluice with the defaults (traces and logs on) plus the Kafka source's metrics. */
export async function metricsReference(): Promise<string> {
  const { config } = parseConfig({}, {}, process.cwd(), "defaults");
  const sluice = await createSluice(config, {
    dataDir: ":memory:",
    dryRun: true,
    processMetrics: false,
    logger: pino({ level: "silent" }),
  });
  try {
    // Kafka is off by default (it needs brokers); its metrics are registered the way the source registers them.
    prometheusKafkaMetrics(sluice.metrics.registry);
    return renderMetricsReference(sluice.metrics.registry);
  } finally {
    await sluice.close();
  }
}
