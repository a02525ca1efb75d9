import { z } from "zod";
import { connectorFactories } from "../connectors/registry.ts";
import { CHANGE_KINDS } from "../core/change.ts";
import { SEVERITIES } from "../core/signal.ts";
import { redactionConfigSchema } from "../redact/redaction-config.ts";
import { catalogConfigSchema } from "./catalog-config.ts";
import { detectConfigSchema } from "./detect-config.ts";
import { durationField } from "./duration-field.ts";
import { ingestConfigSchema } from "./ingest-config.ts";
import { investigationConfigSchema } from "./investigation-config.ts";
import { kafkaConfigSchema } from "./kafka-config.ts";
import { llmSchema } from "./llm-schema.ts";
import { otlpLogsConfigSchema } from "./otlp-logs-config.ts";
import { remediationConfigSchema } from "./remediation-config.ts";
import { sliConfigSchema } from "./sli-config.ts";
import { throttleConfigSchema } from "./throttle-config.ts";
import { tracesConfigSchema } from "./traces-config.ts";

const SERVER_TIMEOUTS = { headersTimeout: 10_000, requestTimeout: 60_000, keepAliveTimeout: 72_000 };

const platformList = z.array(z.string().min(1)).describe("Platforms to deliver to, in order.");

const matcher = z
  .strictObject({
    service: z.union([z.string(), z.array(z.string())]).optional(),
    team: z.union([z.string(), z.array(z.string())]).optional(),
    tier: z
      .union([z.string(), z.array(z.string())])
      .optional()
      .describe("The owner's tier from the service catalog (or a `tier` label)."),
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

const HOUR_MS = 3_600_000;
const RETENTION_DEFAULTS = { signals: 30 * 24 * HOUR_MS, incidents: 0, deadLetters: 90 * 24 * HOUR_MS, interval: 10 * 60_000 };

const retention = z
  .strictObject({
    signals: durationField(
      "Signals are deleted once received this long ago, unless their incident is unresolved or was resolved less than this long ago; deploy changes, delivered or dead deliveries and fired timers as old go too (default 30d; at least 1h). A signal re-sent after this is no longer recognised as a duplicate.",
    )
      .refine((ms) => ms >= HOUR_MS, "must be at least 1h")
      .default(RETENTION_DEFAULTS.signals),
    incidents: durationField(
      "Resolved incidents are deleted, with their timeline, tickets and signals, once resolved this long ago; 0 keeps them forever (default 0; else at least 1d). Similar-incident lookups see only what is kept.",
    )
      .refine((ms) => ms === 0 || ms >= 24 * HOUR_MS, "must be 0 (forever) or at least 1d")
      .default(RETENTION_DEFAULTS.incidents),
    deadLetters: durationField(
      "Ingest dead letters (signals the pipeline could not apply; waiting, retried or discarded) are deleted once their latest failure is this old (default 90d; at least 1d). The ingest log itself needs none: the pipeline deletes each entry in the transaction that applies it.",
    )
      .refine((ms) => ms >= 24 * HOUR_MS, "must be at least 1d")
      .default(RETENTION_DEFAULTS.deadLetters),
    interval: durationField("How often each process deletes what retention no longer keeps (default 10m).")
      .refine((ms) => ms >= 1000, "must be at least 1s")
      .default(RETENTION_DEFAULTS.interval),
  })
  .default(RETENTION_DEFAULTS)
  .describe("How long stored data is kept.");

const baseShape = {
  server: z
    .strictObject({
      host: z.string().optional().describe("Bind address; defaults to 127.0.0.1 without tokens, 0.0.0.0 with."),
      port: z.number().int().min(0).max(65535).default(8080).describe("Port of the HTTP API."),
      publicUrl: z
        .url()
        .optional()
        .describe(
          "Base URL of Sluice as responders reach it; used for links in tickets. PagerDuty takes only public URLs with a domain name: with another, its events go without the link (check-config warns).",
        ),
      bodyLimit: z
        .number()
        .int()
        .positive()
        .default(5 * 1024 * 1024)
        .describe("Largest accepted request body, in bytes."),
      headersTimeout: durationField(
        "A client must send all of a request's headers within this; slower ones get 408 and are disconnected (default 10s).",
      )
        .refine((ms) => ms >= 100, "must be at least 100ms")
        .default(SERVER_TIMEOUTS.headersTimeout),
      requestTimeout: durationField(
        "A client must send a whole request, headers and body, within this (default 60s: a full bodyLimit at about 85 KB/s); the time Sluice takes to answer does not count.",
      )
        .refine((ms) => ms >= 100, "must be at least 100ms")
        .default(SERVER_TIMEOUTS.requestTimeout),
      keepAliveTimeout: durationField(
        "An idle keep-alive connection is closed after this (default 72s: longer than the 60s idle timeout of common load balancers, so they close first).",
      )
        .refine((ms) => ms >= 100, "must be at least 100ms")
        .default(SERVER_TIMEOUTS.keepAliveTimeout),
    })
    .refine((server) => server.headersTimeout <= server.requestTimeout, {
      message: "must not exceed server.requestTimeout",
      path: ["headersTimeout"],
    })
    .default({ port: 8080, bodyLimit: 5 * 1024 * 1024, ...SERVER_TIMEOUTS }),
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
      retention,
    })
    .default({ dataDir: "./data", synchronous: "full", poolSize: 10, retention: RETENTION_DEFAULTS }),
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
        "A firing signal this soon after its incident resolved reopens it instead of opening a new one (default 30m; 0 turns it off). An anomaly incident that resolved because it went quiet is reopened only by a signal within lookbackWindow of its last one; later, it is a new occurrence.",
      ).default(1_800_000),
    })
    .default({ minimumScore: 0.85, lookbackWindow: 900_000, quietPeriod: 1_800_000, reopenWindow: 1_800_000 }),
  patterns: z
    .strictObject({
      maxInMemory: z
        .number()
        .int()
        .min(100)
        .default(20_000)
        .describe(
          "Error patterns each process keeps in memory; beyond it the least recently used leave memory (they stay in the database and come back with their next message).",
        ),
      refreshInterval: durationField(
        "How often a process reads the error patterns other replicas created or generalised (default 5s).",
      ).default(5_000),
      settleWindow: durationField(
        "Longest the first ticket of an incident waits when its error pattern may yet merge into an open incident's: it differs from that incident's pattern only in lowercase words (names) at one or two places, so the miner may still find those words are parameters. If the patterns merge meanwhile the incident joins the open one and pages nobody; otherwise it pages at the end of the window. Every other incident (a problem's first variant, a pattern that differs otherwise, an alert) pages at once. At most 10m; default 5m (as Alertmanager's group_interval: a near-identical incident has paged already); 0 pages every incident at once (issue 17).",
      )
        .refine((ms) => ms <= 600_000, "must be at most 10m: a page must not wait longer than that")
        .default(300_000),
      settleAction: z
        .enum(["group", "page"])
        .default("group")
        .describe(
          "What happens at the end of patterns.settleWindow to a held incident whose error pattern did not merge. group (default): if it is still the same message as an open incident's but for a word (same tenant, service and environment; that incident opened first, is still open and seen within anomaly.lookbackWindow), it joins that incident instead of paging: resolved as merged into it, its ticket never created, the open incident's ticket told once; the error patterns stay separate. page: it pages as its own incident (the behaviour before this setting). Either way a held incident whose open sibling resolved during the window pages (issue 17).",
        ),
    })
    .default({ maxInMemory: 20_000, refreshInterval: 5_000, settleWindow: 300_000, settleAction: "group" }),
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
      maxPerBatch: z
        .number()
        .int()
        .min(0)
        .default(20)
        .describe(
          "Incidents opened in one ingest batch that get every enrichment step; beyond it (an incident storm) only the owner from the catalog and the affected users are added, so ingest is not held up (default 20).",
        ),
    })
    .default({ timeout: 500, maxPerBatch: 20 }),
  escalation: z
    .strictObject({
      policies: z
        .array(
          z.strictObject({
            name: z.string().min(1),
            match: matcher.default({}),
            after: durationField("Escalate when not acknowledged within this long (and again after each repeat)."),
            repeat: z.number().int().min(1).max(20).default(3).describe("Escalations at most, one every `after`."),
            levels: z
              .array(
                z.strictObject({
                  platforms: z
                    .array(z.string().min(1))
                    .default([])
                    .describe("Platforms this level reaches: each that has no ticket for the incident gets one, once."),
                  team: z
                    .array(z.string().min(1))
                    .default([])
                    .describe(
                      "Platforms reached through the owning team's catalog destinations (e.g. [opsgenie]): added when the owner's catalog entry names a destination there.",
                    ),
                  jira: z
                    .strictObject({
                      assignee: z
                        .string()
                        .min(1)
                        .optional()
                        .describe("Account id the Jira issue is reassigned to at this level."),
                      priority: z
                        .string()
                        .min(1)
                        .optional()
                        .describe("Jira priority name set at this level (default: one step above the incident's)."),
                    })
                    .optional()
                    .describe("What escalating to this level changes on the incident's Jira issue."),
                  servicenow: z
                    .strictObject({
                      group: z
                        .string()
                        .min(1)
                        .optional()
                        .describe("assignment_group the ServiceNow incident is reassigned to at this level (sys_id or name)."),
                      impact: z.number().int().min(1).max(3).optional().describe("Impact set at this level (1 high .. 3 low)."),
                      urgency: z.number().int().min(1).max(3).optional().describe("Urgency set at this level (1 high .. 3 low)."),
                    })
                    .optional()
                    .describe(
                      "What escalating to this level changes on the ServiceNow incident (default: urgency, then impact, one step up).",
                    ),
                }),
              )
              .max(20)
              .default([])
              .describe(
                "What each escalation reaches, in order (escalation n applies levels[n-1], by timer or by hand); beyond the last level an escalation re-notifies only. Platforms with escalation of their own (PagerDuty, Opsgenie, JSM) move their incident to its next level as well; Jira and ServiceNow raise priority and reassign per the level's jira / servicenow keys.",
              ),
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
  traces: tracesConfigSchema,
  otlpLogs: otlpLogsConfigSchema,
  throttle: throttleConfigSchema,
  sli: sliConfigSchema,
  ingest: ingestConfigSchema,
  investigation: investigationConfigSchema,
  remediation: remediationConfigSchema,
  changes: z
    .strictObject({
      lookback: durationField("Changes this long before an incident's first signal are attached to it (default 2h).").default(
        7_200_000,
      ),
      skew: durationField(
        "Changes this long after the first signal are attached too: senders' clocks disagree (default 5m).",
      ).default(300_000),
      limit: z.number().int().min(1).max(100).default(10).describe("Most changes attached to an incident, newest first."),
      githubWebhookSecret: z
        .string()
        .min(16)
        .optional()
        .describe(
          "Secret of the GitHub webhook that posts deployment_status events to POST /api/v1/changes/github, checked against X-Hub-Signature-256 (use a ${ENV} reference). Without it that route answers 404.",
        ),
      suppressAfterDeploy: z
        .strictObject({
          window: durationField("Firing signals of a service this soon after its deploy are suppressed (stored and counted)."),
          match: matcher.default({}),
          kinds: z.array(z.enum(CHANGE_KINDS)).min(1).default(["deploy"]).describe("Change kinds that open a window."),
          refreshInterval: durationField(
            "How often each replica reloads recent deploys from the store; deploys posted to another replica suppress after at most this long (default 30s).",
          )
            .refine((ms) => ms >= 1000, "must be at least 1s")
            .default(30_000),
        })
        .optional()
        .describe("Deploy-aware suppression (docs/changes.md); off unless set."),
    })
    .default({ lookback: 7_200_000, skew: 300_000, limit: 10 })
    .describe("Change events (deploys, config changes): which are attached to incidents, and whether deploys suppress."),
  catalog: catalogConfigSchema.optional(),
  detect: detectConfigSchema.describe(
    "Anomaly detection rules: PromQL queries evaluated on an interval by a detector each; every detection becomes an anomaly event (docs/detection.md).",
  ),
  similar: z
    .strictObject({
      enabled: z
        .boolean()
        .default(true)
        .describe("Attach similar past incidents, and how each was resolved, to new incidents and their tickets."),
      maxResults: z.number().int().min(1).max(20).default(3).describe("Most similar incidents attached to an incident."),
      lookback: durationField("Only incidents resolved this recently are compared (default 90d).").default(7_776_000_000),
      candidates: z
        .number()
        .int()
        .min(1)
        .max(5000)
        .default(500)
        .describe(
          "Most past incidents ranked per lookup: those of the same service or error pattern first, then the most recent.",
        ),
      minScore: z
        .number()
        .min(0)
        .max(1.75)
        .default(0.35)
        .describe(
          "Weakest match shown: text similarity (0..1) plus 0.5 for the same error pattern, 0.2 for the same service, 0.05 for the same environment (docs/similar.md).",
        ),
    })
    .default({ enabled: true, maxResults: 3, lookback: 7_776_000_000, candidates: 500, minScore: 0.35 })
    .describe("Similar past incidents (docs/similar.md); also served at GET /api/incidents/{id}/similar."),
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
