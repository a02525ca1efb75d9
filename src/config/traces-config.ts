import { z } from "zod";
import { SEVERITIES } from "../core/signal.ts";
import { durationField } from "./duration-field.ts";

const DEFAULTS = {
  enabled: true,
  assemblyDelay: 2000,
  retention: 3_600_000,
  graphWindow: 900_000,
  mergeSymptoms: true,
  mergeWindow: 600_000,
  severity: "high" as const,
  timelineLimit: 100,
  maxSpansPerTrace: 5000,
  tenant: "default",
  environment: "production",
};

/** The `traces` block: OTLP/HTTP trace ingest, the service dependency graph and trace-derived incidents. */
export const tracesConfigSchema = z
  .strictObject({
    enabled: z.boolean().default(DEFAULTS.enabled).describe("Accept OTLP traces at POST /v1/traces and analyse them."),
    assemblyDelay: durationField(
      "A trace is analysed once no span of it arrived for this long (default 2s); exporters batch, so spans of one trace trickle in.",
    ).default(DEFAULTS.assemblyDelay),
    retention: durationField("Spans and trace analyses are kept this long (default 1h).").default(DEFAULTS.retention),
    graphWindow: durationField(
      "The dependency graph, blast radius and upstream joins look at this much recent traffic (default 15m).",
    ).default(DEFAULTS.graphWindow),
    mergeSymptoms: z
      .boolean()
      .default(DEFAULTS.mergeSymptoms)
      .describe(
        "When a root cause's incident opens after its upstream symptoms' incidents, merge those into it (resolved, with the reason on both timelines and tickets).",
      ),
    mergeWindow: durationField(
      "Only symptom incidents that opened at most this long before the root cause's are merged (default 10m).",
    ).default(DEFAULTS.mergeWindow),
    severity: z.enum(SEVERITIES).default(DEFAULTS.severity).describe("Severity of the signal a failing trace becomes."),
    timelineLimit: z
      .number()
      .int()
      .min(1)
      .max(1000)
      .default(DEFAULTS.timelineLimit)
      .describe("Most spans in an incident's request timeline; the failure's path is kept first."),
    maxSpansPerTrace: z
      .number()
      .int()
      .min(1)
      .default(DEFAULTS.maxSpansPerTrace)
      .describe("Most spans of one trace read for its analysis (the earliest)."),
    tenant: z
      .string()
      .min(1)
      .default(DEFAULTS.tenant)
      .describe("Tenant of spans whose resource has no sluice.tenant or tenant.id."),
    environment: z
      .string()
      .min(1)
      .default(DEFAULTS.environment)
      .describe("Environment of spans whose resource has no deployment.environment.name (or deployment.environment)."),
  })
  .default(DEFAULTS);

export type TracesConfig = z.infer<typeof tracesConfigSchema>;
