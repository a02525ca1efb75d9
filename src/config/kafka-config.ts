import { z } from "zod";

/** Anomaly-event schema versions this source understands; any other goes to the dead-letter topic. */
export const SUPPORTED_SCHEMA_VERSIONS: readonly string[] = ["1"];

const pem = z.string().min(1).describe("PEM text; a file reference reads it from a file (see the top of this page).");

/** The `kafka` block of the config file: a consumer group feeding the ingest runner. */
export const kafkaConfigSchema = z
  .strictObject({
    enabled: z.boolean().default(false).describe("Consume signals from Kafka."),
    brokers: z
      .array(z.string().regex(/^[^\s:]+:\d+$/, "use host:port"))
      .min(1)
      .default(["localhost:9092"])
      .describe("Bootstrap brokers, host:port."),
    clientId: z.string().min(1).default("sluice").describe("Client id prefix (`<clientId>-consumer`, `<clientId>-dlq`)."),
    groupId: z.string().min(1).default("sluice").describe("Consumer group; replicas sharing it split the partitions."),
    topics: z
      .array(z.string().min(1))
      .min(1)
      .default(["enriched-logs"])
      .describe("Topics of anomaly events or generic signals (JSON, one per record)."),
    changesTopics: z
      .array(z.string().min(1))
      .default([])
      .describe("Topics of change events (deploys, config changes; any format POST /api/v1/changes accepts)."),
    deadLetterTopic: z
      .string()
      .min(1)
      .optional()
      .describe("Where records that cannot be ingested go, with the reason in headers (default `<topic>.dlq`)."),
    maxRecordBytes: z
      .number()
      .int()
      .positive()
      .default(1024 * 1024)
      .describe("Records with a larger value go to the dead-letter topic unread (default 1 MiB)."),
    maxInFlight: z
      .number()
      .int()
      .positive()
      .default(5000)
      .describe("Records read but not yet stored; beyond it fetching pauses until the store catches up."),
    tls: z
      .strictObject({
        enabled: z.boolean().default(false),
        ca: pem.optional(),
        cert: pem.optional(),
        key: pem.optional().describe("Client key (secret); PEM text or a file reference."),
        rejectUnauthorized: z.boolean().default(true).describe("Verify the brokers' certificates."),
      })
      .default({ enabled: false, rejectUnauthorized: true })
      .describe("TLS to the brokers."),
    sasl: z
      .strictObject({
        mechanism: z.enum(["PLAIN", "SCRAM-SHA-256", "SCRAM-SHA-512"]),
        username: z.string().min(1),
        password: z.string().min(1).describe("Secret: use an environment or file reference instead of the value."),
      })
      .optional()
      .describe("SASL authentication (use it with TLS)."),
  })
  .describe("Kafka source: a consumer group on the topics; offsets are committed only once their signals are stored.");

export type KafkaSourceConfig = z.infer<typeof kafkaConfigSchema>;

/** Paths in the block whose values are secrets (never logged or returned). */
export const KAFKA_SECRET_FIELDS: readonly string[] = ["sasl.password", "tls.key"];

/** The dead-letter topic of a source topic. */
export function deadLetterTopicOf(config: Pick<KafkaSourceConfig, "deadLetterTopic">, topic: string): string {
  return config.deadLetterTopic ?? `${topic}.dlq`;
}
