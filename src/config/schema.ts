import { z } from "zod";
import { connectorFactories } from "../connectors/registry.ts";
import { SEVERITIES } from "../core/signal.ts";
import { redactionConfigSchema } from "../redact/redaction-config.ts";
import { kafkaConfigSchema } from "../sources/kafka/kafka-config.ts";
import { durationField } from "./duration-field.ts";
import { llmSchema } from "./llm-schema.ts";

const platformList = z.array(z.string().min(1)).describe("Platforms to deliver to, in order.");

const matcher = z
  .strictObject({
    service: z.union([z.string(), z.array(z.string())]).optional(),
    team: z.union([z.string(), z.array(z.string())]).optional(),
    environment: z.union([z.string(), z.array(z.string())]).optional(),
    tenant: z.union([z.string(), z.array(z.string())]).optional(),
    severity: z.union([z.enum(SEVERITIES), z.array(z.enum(SEVERITIES))]).optional(),
    labels: z.record(z.string(), z.string()).optional(),
  })
  .describe("All given fields must match; a list matches any of its values; '*' in a value is a wildcard.");

const routingRule = z.strictObject({
  name: z.string().min(1),
  match: matcher,
  platforms: platformList,
});

const routing = z
  .strictObject({
    critical: platformList.optional(),
    high: platformList.optional(),
    medium: platformList.optional(),
    low: platformList.optional(),
    info: platformList.optional(),
    rules: z.array(routingRule).default([]).describe("First matching rule wins over the severity lists."),
  })
  .default({ rules: [] });

const maintenanceWindow = z
  .strictObject({
    name: z.string().min(1),
    match: matcher.default({}),
    start: z.iso.datetime({ offset: true }),
    end: z.iso.datetime({ offset: true }),
  })
  .refine((w) => Date.parse(w.end) > Date.parse(w.start), { message: "end must be after start", path: ["end"] });

const sha256Hex = z.string().regex(/^[0-9a-f]{64}$/, "must be the hex SHA-256 of the token (64 lowercase hex digits)");

const auth = z
  .strictObject({
    tokens: z
      .array(z.strictObject({ name: z.string().min(1), role: z.enum(["viewer", "responder", "admin"]), sha256: sha256Hex }))
      .default([])
      .describe("API tokens (sha256 of the token); viewer reads, responder acts on incidents, admin also retries deliveries."),
    ingestTokens: z
      .array(
        z.strictObject({
          name: z.string().min(1),
          sources: z.array(z.string()).default(["*"]).describe("Sources this token may send; '*' for all."),
          sha256: sha256Hex,
        }),
      )
      .default([]),
  })
  .default({ tokens: [], ingestTokens: [] });

const baseShape = {
  server: z
    .strictObject({
      host: z.string().optional().describe("Bind address; defaults to 127.0.0.1 without tokens, 0.0.0.0 with."),
      port: z.number().int().min(0).max(65535).default(8080).describe("Port of the HTTP API."),
      publicUrl: z.url().optional().describe("Base URL of Sluice as responders reach it; used for links in tickets."),
      bodyLimit: z
        .number()
        .int()
        .positive()
        .default(5 * 1024 * 1024)
        .describe("Largest accepted request body, in bytes."),
    })
    .default({ port: 8080, bodyLimit: 5 * 1024 * 1024 }),
  storage: z
    .strictObject({
      dataDir: z.string().default("./data").describe("Directory of the embedded SQLite database."),
      synchronous: z
        .enum(["full", "normal"])
        .default("full")
        .describe("full: a 202 survives power loss; normal: it survives a process crash only."),
      databaseUrl: z
        .string()
        .optional()
        .describe(
          "PostgreSQL URL for several replicas (e.g. ${DATABASE_URL}); without it Sluice uses embedded SQLite in dataDir.",
        ),
      poolSize: z.number().int().positive().default(10).describe("PostgreSQL connections per replica."),
    })
    .default({ dataDir: "./data", synchronous: "full", poolSize: 10 }),
  auth,
  anomaly: z
    .strictObject({
      minimumScore: z
        .number()
        .min(0)
        .max(1)
        .default(0.85)
        .describe("Anomaly events scoring below this are gated: stored and counted, never ticketed."),
      lookbackWindow: durationField("A signal joins an open incident whose last signal is this recent (default 15m).").default(
        900_000,
      ),
      quietPeriod: durationField("An anomaly incident with no signal for this long resolves itself (default 30m).").default(
        1_800_000,
      ),
      reopenWindow: durationField(
        "A firing signal this soon after its incident resolved reopens it instead of opening a new one (default 30m; 0 turns it off).",
      ).default(1_800_000),
    })
    .default({ minimumScore: 0.85, lookbackWindow: 900_000, quietPeriod: 1_800_000, reopenWindow: 1_800_000 }),
  routing,
  maintenance: z
    .array(maintenanceWindow)
    .default([])
    .describe("Signals matching a window while it is active are suppressed: stored and counted, never ticketed."),
  delivery: z
    .strictObject({
      maxAttempts: z.number().int().min(1).default(10).describe("Attempts before a delivery becomes a dead letter."),
      initialBackoff: durationField("First retry delay; doubles each attempt, with jitter (default 1s).").default(1000),
      maxBackoff: durationField("Longest retry delay (default 10m).").default(600_000),
      timeout: durationField("Per-request timeout to a platform (default 10s).").default(10_000),
      concurrency: z.number().int().min(1).max(64).default(4).describe("Deliveries in flight at once."),
      breakerThreshold: z.number().int().min(1).default(5).describe("Consecutive failures that open a platform's circuit."),
      breakerCooldown: durationField("How long an open circuit waits before one trial request (default 30s).").default(30_000),
      rateLimits: z
        .record(z.string(), z.number().positive())
        .default({})
        .describe("Most requests per second to a platform, e.g. { slack: 1 }; the outbox holds the rest back."),
    })
    .default({
      maxAttempts: 10,
      initialBackoff: 1000,
      maxBackoff: 600_000,
      timeout: 10_000,
      concurrency: 4,
      breakerThreshold: 5,
      breakerCooldown: 30_000,
      rateLimits: {},
    }),
  redaction: redactionConfigSchema.describe(
    "Built-in detectors (cloud keys, tokens, JWTs, private keys, passwords in URLs and key=value pairs, e-mails, Luhn-valid card numbers) plus these patterns, applied to every signal before it is stored.",
  ),
  lifecycle: z
    .strictObject({
      autoAcknowledge: z
        .array(z.string().min(1))
        .default([])
        .describe("Platforms on which assigning the ticket acknowledges the incident everywhere (e.g. [jira]); off by default."),
    })
    .default({ autoAcknowledge: [] }),
  enrichment: z
    .strictObject({
      timeout: durationField(
        "How long each enrichment step (catalog, changes, similar incidents, traces) may take when an incident opens; a slower step is left out of the ticket and counted (default 500ms).",
      ).default(500),
    })
    .default({ timeout: 500 }),
  escalation: z
    .strictObject({
      policies: z
        .array(
          z.strictObject({
            name: z.string().min(1),
            match: matcher.default({}),
            after: durationField("Escalate when not acknowledged within this long (and again after each repeat)."),
            repeat: z.number().int().min(1).max(20).default(3).describe("Escalations at most, one every `after`."),
          }),
        )
        .default([])
        .describe("First matching policy applies to a new incident (match on service, team, environment, severity, labels)."),
    })
    .default({ policies: [] }),
  log: z
    .strictObject({ level: z.enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"]).default("info") })
    .default({ level: "info" }),
  llm: llmSchema.optional(),
  kafka: kafkaConfigSchema.optional(),
};

const connectorShape = Object.fromEntries(
  connectorFactories.map((factory) => [factory.platform, factory.configSchema.optional()]),
);

/** The file as written: every known key, nothing else. */
export const configFileSchema = z.strictObject({ ...baseShape, ...connectorShape });

type BaseConfig = z.infer<z.ZodObject<typeof baseShape>>;

/** The validated, frozen configuration the process runs with. */
export type SluiceConfig = BaseConfig & {
  /** Each platform's block by platform name, as its connector's schema parsed it. */
  platforms: Record<string, unknown>;
};

export const PLATFORM_NAMES: readonly string[] = connectorFactories.map((f) => f.platform);
