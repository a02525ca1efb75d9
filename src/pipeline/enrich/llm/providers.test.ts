import assert from "node:assert/strict";
import { after, before, beforeEach, describe, it } from "node:test";
import type { HttpClient } from "../../../connectors/connector.ts";
import { ManualClock } from "../../../core/clock.ts";
import { type ScriptedLlm, startScriptedLlm } from "../../../testing/scripted-llm.ts";
import { ANTHROPIC_VERSION, resolveLlmSettings } from "./settings.ts";
import { createSummarizer } from "./summarizer.ts";
import { llmConfig, sampleIncident, sampleSignal } from "./test-fixtures.ts";

const KEY = "provider-key-0a1b2c3d4e5f";
const http: HttpClient = (url, init) => fetch(url, init);
const input = () => ({ incident: sampleIncident(), signals: [sampleSignal()] });

describe("providers against a scripted server", () => {
  let server: ScriptedLlm;
  const clock = new ManualClock(0);

  before(async () => {
    server = await startScriptedLlm();
  });
  after(() => server.close());
  beforeEach(() => server.reset());

  it("Anthropic: Messages API request shape, and a fenced JSON answer is accepted", async () => {
    const summarizer = createSummarizer(
      llmConfig({
        provider: "anthropic",
        model: "claude-sonnet-4-5",
        apiKey: KEY,
        baseUrl: server.anthropicBaseUrl,
        maxTokens: 400,
      }),
      { http, clock },
    );
    server.script({ content: '```json\n{"summary":"db-primary refuses connections.","suggestedSeverity":"critical"}\n```' });
    const outcome = await summarizer.summarize(input());
    assert.deepEqual(outcome, {
      kind: "summary",
      summary: "db-primary refuses connections.",
      suggestedSeverity: "critical",
      notes: [],
      model: "anthropic/claude-sonnet-4-5",
    });

    const request = server.requests[0];
    assert.equal(request?.method, "POST");
    assert.equal(request?.path, "/v1/messages");
    assert.equal(request?.headers["x-api-key"], KEY);
    assert.equal(request?.headers["anthropic-version"], ANTHROPIC_VERSION);
    assert.equal(request?.headers.authorization, undefined);
    assert.equal(request?.headers["content-type"], "application/json");
    const body = request?.json as {
      model: string;
      max_tokens: number;
      system: string;
      messages: { role: string; content: string }[];
      response_format?: unknown;
    };
    assert.equal(body.model, "claude-sonnet-4-5");
    assert.equal(body.max_tokens, 400);
    assert.match(body.system, /Reply with one JSON object and nothing else/);
    assert.equal(body.messages.length, 1);
    assert.equal(body.messages[0]?.role, "user");
    assert.match(body.messages[0]?.content ?? "", /BEGIN-DATA-[0-9a-f]+\n\{/);
    assert.equal(body.response_format, undefined, "the Messages API has no response_format");
    assert.ok(!request?.body.includes(KEY));
  });

  it("Anthropic: an answer cut off at max_tokens falls back", async () => {
    const summarizer = createSummarizer(llmConfig({ provider: "anthropic", apiKey: KEY, baseUrl: server.anthropicBaseUrl }), {
      http,
      clock,
    });
    server.script({ content: '{"summary":"db-pri', finishReason: "length" });
    const outcome = await summarizer.summarize(input());
    assert.equal(outcome.kind, "fallback");
    assert.match(outcome.kind === "fallback" ? outcome.reason : "", /cut off at llm.maxTokens/);
    assert.equal((server.requests[0]?.json as { model: string }).model, "claude-3-5-haiku-latest");
  });

  it("Anthropic: test() checks the key with a tiny call", async () => {
    const summarizer = createSummarizer(llmConfig({ provider: "anthropic", apiKey: KEY, baseUrl: server.anthropicBaseUrl }), {
      http,
      clock,
    });
    server.script({ content: '{"ok":true}' });
    assert.equal((await summarizer.test()).ok, true);
    assert.equal(server.requests[0]?.path, "/v1/messages");
  });

  it("Azure OpenAI: deployment URL, api-version query and api-key header", async () => {
    const summarizer = createSummarizer(
      llmConfig({
        provider: "azure-openai",
        apiKey: KEY,
        baseUrl: server.anthropicBaseUrl,
        azure: { deployment: "sluice-gpt4o", apiVersion: "2024-10-21" },
      }),
      { http, clock },
    );
    server.script({ content: '{"summary":"ok"}' });
    const outcome = await summarizer.summarize(input());
    assert.equal(outcome.kind, "summary");
    const request = server.requests[0];
    assert.equal(request?.path, "/openai/deployments/sluice-gpt4o/chat/completions?api-version=2024-10-21");
    assert.equal(request?.headers["api-key"], KEY);
    assert.equal(request?.headers.authorization, undefined);
  });

  it("Ollama without a key sends no authorization header", async () => {
    const summarizer = createSummarizer(llmConfig({ provider: "ollama", model: "llama3.1", baseUrl: server.openaiBaseUrl }), {
      http,
      clock,
    });
    server.script({ content: '{"summary":"ok"}' });
    assert.equal((await summarizer.summarize(input())).kind, "summary");
    assert.equal(server.requests[0]?.path, "/v1/chat/completions");
    assert.equal(server.requests[0]?.headers.authorization, undefined);
  });
});

describe("resolveLlmSettings", () => {
  it("accepts the ticketing-agent shape as is", () => {
    const resolved = resolveLlmSettings(llmConfig({ provider: "openai", model: "gpt-4", apiKey: "sk-..." }));
    assert.ok(resolved.ok);
    assert.equal(resolved.settings.endpoint, "https://api.openai.com/v1/chat/completions");
    assert.equal(resolved.settings.model, "gpt-4");
    assert.equal(resolved.settings.timeoutMs, 30_000);
    assert.equal(resolved.settings.maxTokens, 512);
    assert.equal(resolved.settings.maxCallsPerHour, 60);
  });

  it("knows each provider's default endpoint", () => {
    const endpoint = (provider: string, extra: Record<string, unknown> = {}) => {
      const resolved = resolveLlmSettings(llmConfig({ provider, model: "m", ...extra }));
      return resolved.ok ? resolved.settings.endpoint : resolved.problem;
    };
    assert.equal(endpoint("ollama"), "http://127.0.0.1:11434/v1/chat/completions");
    assert.equal(endpoint("vllm"), "http://127.0.0.1:8000/v1/chat/completions");
    assert.equal(endpoint("litellm", { baseUrl: "http://litellm:4000/" }), "http://litellm:4000/chat/completions");
    assert.equal(endpoint("anthropic"), "https://api.anthropic.com/v1/messages");
    assert.equal(endpoint("anthropic", { baseUrl: "https://proxy.example.com/v1" }), "https://proxy.example.com/v1/messages");
    assert.match(endpoint("azure-openai"), /llm.baseUrl is required/);
    assert.match(endpoint("azure-openai", { baseUrl: "https://r.openai.azure.com" }), /needs llm.azure.deployment/);
    assert.equal(
      endpoint("azure-openai", { baseUrl: "https://r.openai.azure.com/openai/deployments/gpt4o" }),
      "https://r.openai.azure.com/openai/deployments/gpt4o/chat/completions?api-version=2024-10-21",
    );
  });
});
