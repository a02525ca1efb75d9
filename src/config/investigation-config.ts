import { z } from "zod";
import { durationField } from "./duration-field.ts";
import { kubernetesConnectionSchema } from "./kubernetes-action-config.ts";

const DEFAULTS = {
  enabled: true,
  onOpen: true,
  onReopen: true,
  onSeverityRaised: { critical: true, high: true, medium: false, low: false, info: false },
  maxSteps: 12,
  timeout: 60_000,
  collectorTimeout: 10_000,
  pollInterval: 1000,
  lease: 120_000,
  window: 3_600_000,
  baseline: 3_600_000,
  step: 60_000,
  lead: 600_000,
};

const severitySwitch = z
  .strictObject({
    critical: z.boolean().default(DEFAULTS.onSeverityRaised.critical),
    high: z.boolean().default(DEFAULTS.onSeverityRaised.high),
    medium: z.boolean().default(DEFAULTS.onSeverityRaised.medium),
    low: z.boolean().default(DEFAULTS.onSeverityRaised.low),
    info: z.boolean().default(DEFAULTS.onSeverityRaised.info),
  })
  .default(DEFAULTS.onSeverityRaised)
  .describe("Per severity: whether an incident raised to it is investigated again (default: critical and high only).");

const serviceQuery = z.strictObject({
  name: z.string().min(1).describe("What the series measures, as the report names it (e.g. error-ratio)."),
  query: z.string().min(1).describe("PromQL; `$service` is replaced by the service's name."),
  direction: z.enum(["up", "down", "both"]).default("up").describe("Which way is worse."),
  floor: z
    .number()
    .min(0)
    .optional()
    .describe("Smallest spread in the series' unit, for a series normally at exactly 0 (an error ratio, a queue)."),
});

/** The `investigation` block: when an incident is investigated, within what budget, and where metrics come from. */
export const investigationConfigSchema = z
  .strictObject({
    enabled: z.boolean().default(DEFAULTS.enabled).describe("Investigate incidents in the background (docs/investigation.md)."),
    onOpen: z.boolean().default(DEFAULTS.onOpen).describe("Investigate every incident when it opens."),
    onReopen: z.boolean().default(DEFAULTS.onReopen).describe("Investigate again when an incident reopens."),
    onSeverityRaised: severitySwitch,
    maxSteps: z
      .number()
      .int()
      .min(1)
      .max(100)
      .default(DEFAULTS.maxSteps)
      .describe("Most collector queries one investigation runs; the rest are skipped and the report says so."),
    timeout: durationField(
      "Wall time of one investigation (default 60s); collectors still running then are cut off and the report is written with what arrived.",
    ).default(DEFAULTS.timeout),
    collectorTimeout: durationField("Wall time of one collector query (default 10s).").default(DEFAULTS.collectorTimeout),
    pollInterval: durationField(
      "How often each replica looks for queued investigations besides being woken by events (default 1s).",
    ).default(DEFAULTS.pollInterval),
    lease: durationField(
      "How long a claimed investigation belongs to its replica; one that died is taken over after this (default 2m).",
    ).default(DEFAULTS.lease),
    window: durationField("How far before the incident's first signal evidence is read (default 1h).").default(DEFAULTS.window),
    baseline: durationField(
      "Normal operation before the window that metric departures are measured against (default 1h).",
    ).default(DEFAULTS.baseline),
    llm: z
      .strictObject({
        enabled: z
          .boolean()
          .default(true)
          .describe("Let the model of the `llm` block plan extra read-only queries and write the narrative (when `llm` is set)."),
        maxCalls: z.number().int().min(1).max(20).default(4).describe("Most model calls per investigation."),
        maxToolCalls: z.number().int().min(0).max(20).default(4).describe("Most read-only tool calls the model may make."),
        maxTokens: z
          .number()
          .int()
          .min(256)
          .max(200_000)
          .default(12_000)
          .describe("Most tokens (prompt and completion, as the provider counts them) per investigation."),
        maxCost: z
          .number()
          .min(0)
          .optional()
          .describe(
            "Most spend per investigation, in the currency of `pricePerMillionTokens`; without it, tokens bound the cost.",
          ),
        pricePerMillionTokens: z.number().min(0).default(0).describe("What a million tokens cost, for `maxCost`."),
        timeout: durationField("Wall time of the model's part of one investigation (default 30s).").default(30_000),
      })
      .default({ enabled: true, maxCalls: 4, maxToolCalls: 4, maxTokens: 12_000, pricePerMillionTokens: 0, timeout: 30_000 })
      .describe("The optional LLM narrative of investigations: budgets of calls, tool calls, tokens, cost and time."),
    loki: z
      .strictObject({
        url: z.string().url().describe("Base URL of Loki's HTTP API (or Grafana Cloud Logs)."),
        tenant: z.string().min(1).optional().describe("X-Scope-OrgID for a multi-tenant Loki."),
        query: z
          .string()
          .min(1)
          .default('{service_name="$service"} |~ "(?i)(error|exception|fatal|panic|timeout)"')
          .describe("LogQL log query per service; `$service` is replaced by the service's name."),
        limit: z.number().int().min(1).max(5000).default(500).describe("Lines read per service at most (newest first)."),
        linkTemplate: z
          .string()
          .url()
          .optional()
          .describe("Link for people (Grafana Explore…); `$query` is replaced by the URL-encoded LogQL."),
      })
      .optional()
      .describe("Log evidence from Loki (query_range, LogQL); without it only the incident's own signals are read."),
    kubernetes: z
      .strictObject({
        connection: kubernetesConnectionSchema.describe(
          "How Sluice reaches the cluster, as remediation's Kubernetes action does: `inCluster: true` (the default), `kubeconfig` (and `context`), or `server` with `token` naming a secret in `remediation.secrets`. Read-only RBAC suffices: get and list of pods, events, deployments and replicasets.",
        ),
        namespace: z
          .string()
          .regex(/^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/, "a namespace name (lowercase letters, digits, '-')")
          .default("default")
          .describe("Namespace of services whose catalog entry names none."),
        maxServices: z
          .number()
          .int()
          .min(1)
          .max(10)
          .default(3)
          .describe("Services read at most: the incident's own first, then its neighbours (one query step each)."),
        linkTemplate: z
          .string()
          .url()
          .optional()
          .describe(
            "Link for people (the Kubernetes dashboard, Lens, Headlamp…); `$namespace`, `$kind` (pod, deployment, event) and `$name` are replaced.",
          ),
      })
      .optional()
      .describe(
        "Kubernetes evidence (read-only): the service's pods, Warning events and rollout history; without it the collector is off.",
      ),
    prometheus: z
      .strictObject({
        url: z
          .string()
          .url()
          .describe("Base URL of a Prometheus-compatible HTTP API (Prometheus, Thanos, Mimir, VictoriaMetrics)."),
        linkUrl: z
          .string()
          .url()
          .optional()
          .describe("Base URL for graph links in reports, when people reach Prometheus at another address (default: url)."),
        step: durationField("Resolution of query_range (default 1m).").default(DEFAULTS.step),
        lead: durationField(
          "How long before the incident's first signal a fault may have begun: alerts fire after their `for` and rate windows, so series are judged from this long before it (default 10m).",
        ).default(DEFAULTS.lead),
        queries: z
          .array(serviceQuery)
          .optional()
          .describe(
            "Queries run for every service without its own (default: OpenTelemetry semantic-convention request rate, error ratio and p95 latency, and process CPU).",
          ),
        services: z
          .record(z.string(), z.array(serviceQuery))
          .default({})
          .describe("Queries of one service by its name, replacing its catalog entry's `metrics` and the defaults."),
      })
      .optional()
      .describe("Metrics evidence; without it the metrics collector is off."),
  })
  .default({
    enabled: DEFAULTS.enabled,
    onOpen: DEFAULTS.onOpen,
    onReopen: DEFAULTS.onReopen,
    onSeverityRaised: DEFAULTS.onSeverityRaised,
    maxSteps: DEFAULTS.maxSteps,
    timeout: DEFAULTS.timeout,
    collectorTimeout: DEFAULTS.collectorTimeout,
    pollInterval: DEFAULTS.pollInterval,
    lease: DEFAULTS.lease,
    window: DEFAULTS.window,
    baseline: DEFAULTS.baseline,
    llm: { enabled: true, maxCalls: 4, maxToolCalls: 4, maxTokens: 12_000, pricePerMillionTokens: 0, timeout: 30_000 },
  })
  .describe("Background investigation of incidents: evidence, root-cause hypotheses and next steps in every ticket.");

export type InvestigationConfig = z.infer<typeof investigationConfigSchema>;
