import type { ChangeIntake } from "../changes/change-intake.ts";
import type { SignalIntake } from "../pipeline/ingest/log-intake.ts";
import { prometheusKafkaMetrics } from "../sources/kafka/kafka-metrics.ts";
import { KafkaSource } from "../sources/kafka/kafka-source.ts";
import type { Base } from "./base.ts";
import type { Module } from "./module.ts";

/** The Kafka consumer, when `kafka.enabled`; joins its group on startSources, stops first among the sources. */
export function wireKafka(
  { config, clock, logger, metrics }: Base,
  intake: SignalIntake,
  changes: ChangeIntake,
): { kafka: KafkaSource | null; module: Module } {
  const kafka = config.kafka?.enabled
    ? new KafkaSource({
        config: config.kafka,
        // Offsets are committed once the records' signals are in the durable ingest log.
        runner: { submit: (signals) => intake.submit(signals, "kafka") },
        changes,
        clock,
        logger: logger.child({ source: "kafka" }),
        metrics: prometheusKafkaMetrics(metrics.registry),
      })
    : null;
  // The source stops before ingest: it still appends what it has in flight, which a stopped intake would refuse.
  return { kafka, module: { name: "kafka", startSource: async () => kafka?.start(), shutdown: async () => kafka?.shutdown() } };
}
