import { z } from "zod";

const bucket = z
  .strictObject({
    rate: z.number().positive().describe("Signals per second the bucket refills with (the sustained rate)."),
    burst: z
      .number()
      .int()
      .positive()
      .describe("Bucket size: the most signals taken at once after a quiet spell; no single request may carry more."),
  })
  .refine((b) => b.burst >= b.rate, { message: "burst must be at least rate (one second's worth)", path: ["burst"] });

/** The `throttle` block: token-bucket ingest limits; absent limits limit nothing. */
export const throttleConfigSchema = z
  .strictObject({
    perToken: bucket
      .optional()
      .describe("Limit of each ingest token (by name; requests without a token share the bucket `anonymous`); off when absent."),
    tokens: z
      .record(z.string().min(1), bucket)
      .default({})
      .describe("Limits of named ingest tokens, instead of perToken (a token listed here is limited even without perToken)."),
    perTenant: bucket.optional().describe("Limit of each tenant (the signals' tenant, whoever sends them); off when absent."),
    tenants: z.record(z.string().min(1), bucket).default({}).describe("Limits of named tenants, instead of perTenant."),
  })
  .default({ tokens: {}, tenants: {} })
  .describe(
    "Ingest limits (POST /api/v1/signals, the Alertmanager and Grafana webhooks, OTLP logs at POST /v1/logs): a request that would take more than a bucket holds is refused with 429 and Retry-After, and nothing of it is stored. Buckets are per replica. Off by default.",
  );

export type ThrottleConfig = z.infer<typeof throttleConfigSchema>;
export type BucketConfig = z.infer<typeof bucket>;
