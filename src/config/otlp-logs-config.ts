import { z } from "zod";

/** OpenTelemetry's severity numbers: the first of each range (TRACE 1–4 … FATAL 21–24). */
export const SEVERITY_NUMBERS = { trace: 1, debug: 5, info: 9, warn: 13, error: 17, fatal: 21 } as const;
export type LogLevel = keyof typeof SEVERITY_NUMBERS;

const DEFAULTS = { enabled: true, minimumLevel: "error" as const, tenant: "default", environment: "production" };

/** The `otlpLogs` block: OTLP/HTTP log ingest, where error records become signals. */
export const otlpLogsConfigSchema = z
  .strictObject({
    enabled: z.boolean().default(DEFAULTS.enabled).describe("Accept OTLP logs at POST /v1/logs."),
    minimumLevel: z
      .enum(Object.keys(SEVERITY_NUMBERS) as [keyof typeof SEVERITY_NUMBERS, ...(keyof typeof SEVERITY_NUMBERS)[]])
      .default(DEFAULTS.minimumLevel)
      .describe(
        "Records at this severity or above become signals (error: severityNumber 17+, or severityText ERROR when the number is unset); the rest are counted and dropped.",
      ),
    tenant: z
      .string()
      .min(1)
      .default(DEFAULTS.tenant)
      .describe("Tenant of records whose resource has no sluice.tenant or tenant.id."),
    environment: z
      .string()
      .min(1)
      .default(DEFAULTS.environment)
      .describe("Environment of records whose resource has no deployment.environment.name (or deployment.environment)."),
  })
  .default(DEFAULTS);

export type OtlpLogsConfig = z.infer<typeof otlpLogsConfigSchema>;
