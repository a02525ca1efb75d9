import { z } from "zod";
import { durationField } from "./duration-field.ts";

export const LLM_PROVIDERS = ["openai", "azure-openai", "ollama", "vllm", "litellm", "anthropic"] as const;
export type LlmProvider = (typeof LLM_PROVIDERS)[number];

/**
 * The LLM block. The ticketing-agent shape `{ provider, model, apiKey }` is valid as is; every added key
 * has a default. The model only improves the incident summary, asynchronously; tickets never wait for it.
 */
export const llmSchema = z.strictObject({
  enabled: z.boolean().default(true).describe("Set false to keep the block but never call the model."),
  provider: z
    .enum(LLM_PROVIDERS)
    .default("openai")
    .describe("anthropic speaks the Messages API; every other provider the OpenAI-compatible chat completions API."),
  model: z
    .string()
    .min(1)
    .optional()
    .describe(
      "Model name (Azure: ignored, the deployment decides). Defaults: openai gpt-4o-mini, anthropic claude-3-5-haiku-latest.",
    ),
  apiKey: z.string().optional().describe("Secret. Sent as Bearer token (api-key header for Azure, x-api-key for Anthropic)."),
  baseUrl: z
    .url()
    .optional()
    .describe(
      "API root without /chat/completions. Defaults: openai https://api.openai.com/v1, ollama http://127.0.0.1:11434/v1, vllm http://127.0.0.1:8000/v1, litellm http://127.0.0.1:4000/v1, anthropic https://api.anthropic.com. Azure: https://<resource>.openai.azure.com (with azure.deployment) or the full .../openai/deployments/<name> URL.",
    ),
  timeout: durationField("Per-call timeout; a call that takes longer falls back to the template summary.").default(30_000),
  maxTokens: z.number().int().min(16).max(8192).default(512).describe("Completion token limit per call (max_tokens)."),
  maxCallsPerHour: z
    .number()
    .int()
    .nonnegative()
    .default(60)
    .describe("Calls allowed in any sliding hour, counted per process; over it summaries fall back to the template."),
  breakerThreshold: z.number().int().min(1).default(3).describe("Consecutive failed calls that open the circuit."),
  breakerCooldown: durationField("How long an open circuit skips calls before one trial call.").default(60_000),
  azure: z
    .strictObject({
      deployment: z.string().min(1).describe("Deployment name; the URL becomes <baseUrl>/openai/deployments/<deployment>."),
      apiVersion: z.string().min(1).default("2024-10-21").describe("The api-version query parameter."),
    })
    .optional()
    .describe("Azure OpenAI only."),
});

export type LlmConfig = z.infer<typeof llmSchema>;
