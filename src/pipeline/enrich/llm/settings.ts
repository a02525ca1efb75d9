import type { LlmConfig, LlmProvider } from "../../../config/llm-schema.ts";

/** Everything a call needs, with provider defaults filled in; null model means "not usable". */
export interface LlmSettings {
  provider: LlmProvider;
  /** Which wire protocol the provider speaks. */
  api: "openai" | "anthropic";
  model: string | null;
  apiKey: string | null;
  /** Full URL the request is POSTed to. */
  endpoint: string;
  /** Headers besides content-type (auth, versions). */
  headers: Record<string, string>;
  timeoutMs: number;
  maxTokens: number;
  maxCallsPerHour: number;
  breakerThreshold: number;
  breakerCooldownMs: number;
  enabled: boolean;
}

export const ANTHROPIC_VERSION = "2023-06-01";

const DEFAULT_BASE_URL: Record<LlmProvider, string | null> = {
  openai: "https://api.openai.com/v1",
  "azure-openai": null,
  ollama: "http://127.0.0.1:11434/v1",
  vllm: "http://127.0.0.1:8000/v1",
  litellm: "http://127.0.0.1:4000/v1",
  anthropic: "https://api.anthropic.com",
};

const DEFAULT_MODEL: Partial<Record<LlmProvider, string>> = {
  openai: "gpt-4o-mini",
  anthropic: "claude-3-5-haiku-latest",
};

/** Resolves the validated `llm` block into call settings; problems come back as text instead of throwing. */
export function resolveLlmSettings(config: LlmConfig): { ok: true; settings: LlmSettings } | { ok: false; problem: string } {
  const provider = config.provider;
  const base = (config.baseUrl ?? DEFAULT_BASE_URL[provider])?.replace(/\/+$/, "");
  if (!base) return { ok: false, problem: `llm.baseUrl is required for provider ${provider}` };
  const apiKey = config.apiKey && config.apiKey.length > 0 ? config.apiKey : null;
  const common = {
    provider,
    apiKey,
    timeoutMs: config.timeout,
    maxTokens: config.maxTokens,
    maxCallsPerHour: config.maxCallsPerHour,
    breakerThreshold: config.breakerThreshold,
    breakerCooldownMs: config.breakerCooldown,
    enabled: config.enabled,
  };

  if (provider === "anthropic") {
    const headers: Record<string, string> = { "anthropic-version": ANTHROPIC_VERSION };
    if (apiKey) headers["x-api-key"] = apiKey;
    const endpoint = base.endsWith("/v1") ? `${base}/messages` : `${base}/v1/messages`;
    return {
      ok: true,
      settings: { ...common, api: "anthropic", model: config.model ?? DEFAULT_MODEL.anthropic ?? null, endpoint, headers },
    };
  }

  if (provider === "azure-openai") {
    // Azure names the model by its deployment (in the URL); `model` in the body is ignored there.
    const apiVersion = config.azure?.apiVersion ?? "2024-10-21";
    const deploymentBase = config.azure ? `${base}/openai/deployments/${encodeURIComponent(config.azure.deployment)}` : base;
    if (!/\/openai\/deployments\/[^/]+$/.test(deploymentBase)) {
      return { ok: false, problem: "azure-openai needs llm.azure.deployment or a baseUrl ending in /openai/deployments/<name>" };
    }
    const headers: Record<string, string> = {};
    if (apiKey) headers["api-key"] = apiKey;
    return {
      ok: true,
      settings: {
        ...common,
        api: "openai",
        model: config.model ?? config.azure?.deployment ?? deploymentBase.split("/").pop() ?? null,
        endpoint: `${deploymentBase}/chat/completions?api-version=${encodeURIComponent(apiVersion)}`,
        headers,
      },
    };
  }

  const headers: Record<string, string> = {};
  if (apiKey) headers.authorization = `Bearer ${apiKey}`;
  return {
    ok: true,
    settings: {
      ...common,
      api: "openai",
      model: config.model ?? DEFAULT_MODEL[provider] ?? null,
      endpoint: `${base}/chat/completions`,
      headers,
    },
  };
}
