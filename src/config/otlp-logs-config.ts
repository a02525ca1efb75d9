import { z } from "zod";
import { SEVERITY_NUMBERS } from "../pipeline/normalize/otlp-logs.ts";

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
