import { Counter, Gauge, type Registry } from "prom-client";
import type { DeadLetterReason } from "../../pipeline/normalize/kafka-record.ts";

/** Record outcomes: stored (its signals are durable) or the reason it went to the dead-letter topic. */
export type RecordOutcome = "stored" | DeadLetterReason;

/** What the Kafka source reports. */
export interface KafkaMetrics {
  records(topic: string, outcome: RecordOutcome, count: number): void;
  lag(topic: string, partition: number, lag: number): void;
  /** Forgets the lag of a partition this member no longer owns. */
  forgetLag(topic: string, partition: number): void;
  paused(paused: boolean): void;
}

export const noKafkaMetrics: KafkaMetrics = { records: () => {}, lag: () => {}, forgetLag: () => {}, paused: () => {} };

/** The Kafka source's Prometheus metrics, registered on the registry Sluice exports at /metrics. */
export function prometheusKafkaMetrics(registry: Registry): KafkaMetrics {
  const records = new Counter({
    name: "sluice_kafka_records_total",
    help: "Kafka records by topic and outcome: stored, or the dead-letter reason (oversized, not-json, unknown-schema-version, validation-failed)",
    labelNames: ["topic", "outcome"],
    registers: [registry],
  });
  const lag = new Gauge({
    name: "sluice_kafka_consumer_lag",
    help: "Records between the committed offset of this consumer group and the end of the partition",
    labelNames: ["topic", "partition"],
    registers: [registry],
  });
  const paused = new Gauge({
    name: "sluice_kafka_paused",
    help: "1 while fetching is paused for backpressure (ingest overloaded or too many records in flight)",
    registers: [registry],
  });
  return {
    records: (topic, outcome, count) => records.inc({ topic, outcome }, count),
    lag: (topic, partition, value) => lag.set({ topic, partition: String(partition) }, value),
    forgetLag: (topic, partition) => lag.remove({ topic, partition: String(partition) }),
    paused: (value) => paused.set(value ? 1 : 0),
  };
}
