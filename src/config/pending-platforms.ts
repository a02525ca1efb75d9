import { z } from "zod";

// Platforms whose connectors have not landed yet. Their blocks are validated so that existing
// ticketing-agent files load unchanged; routing to them is reported as a warning until they exist.
const enabled = z.boolean().default(false);

export const pendingPlatformSchemas = {
  pagerduty: z.strictObject({
    enabled,
    routingKey: z.string().optional(),
    apiToken: z.string().optional(),
    fromEmail: z.string().optional(),
  }),
  jira: z.strictObject({
    enabled,
    baseUrl: z.url().optional(),
    projectKey: z.string().optional(),
    issueType: z.string().optional(),
    email: z.string().optional(),
    apiToken: z.string().optional(),
  }),
  opsgenie: z.strictObject({
    enabled,
    apiKey: z.string().optional(),
    region: z.enum(["us", "eu"]).optional(),
  }),
};

/** The LLM block of the ticketing-agent shape; used by summaries once they land. */
export const llmSchema = z.strictObject({
  provider: z.enum(["openai", "azure-openai", "ollama", "vllm", "litellm", "anthropic"]).default("openai"),
  model: z.string().optional(),
  apiKey: z.string().optional(),
  baseUrl: z.url().optional(),
  timeout: z.string().optional(),
});
