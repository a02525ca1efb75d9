import { z } from "zod";

/** The LLM block of the ticketing-agent shape; accepted now, used by summaries once they land. */
export const llmSchema = z.strictObject({
  provider: z.enum(["openai", "azure-openai", "ollama", "vllm", "litellm", "anthropic"]).default("openai"),
  model: z.string().optional(),
  apiKey: z.string().optional(),
  baseUrl: z.url().optional(),
  timeout: z.string().optional(),
});
