import type { HttpClient } from "../../connectors/connector.ts";
import type { LlmSettings } from "../../pipeline/enrich/llm/settings.ts";
import { errorDetail } from "../../pipeline/enrich/llm/wire.ts";

/** A function the model may call, described as the chat completions API expects. */
export interface ToolSpec {
  name: string;
  description: string;
  parameters: Record<string, unknown>;
}

/** One call the model asked for. */
export interface ToolCall {
  id: string;
  type: "function";
  function: { name: string; arguments: string };
}

export type ChatMessage =
  | { role: "system" | "user"; content: string }
  | { role: "assistant"; content: string | null; tool_calls?: ToolCall[] }
  | { role: "tool"; tool_call_id: string; content: string };

/** The model's turn: text, or calls it wants made first; tokens as the provider counted them (null: not said). */
export type ChatTurn =
  | { ok: true; content: string | null; toolCalls: ToolCall[]; tokens: number | null; truncated: boolean }
  | { ok: false; reason: string; timedOut: boolean };

/**
 * One OpenAI-compatible chat completion with tools (OpenAI, Azure, Ollama, vLLM, LiteLLM). Without `tools` the
 * model must answer in text. The answer is asked for as a JSON object. Never throws.
 */
export async function chatTurn(
  http: HttpClient,
  settings: LlmSettings,
  request: { messages: readonly ChatMessage[]; tools: readonly ToolSpec[]; maxTokens: number },
  timeoutMs: number,
  signal: AbortSignal,
): Promise<ChatTurn> {
  const body: Record<string, unknown> = {
    model: settings.model,
    messages: request.messages,
    max_tokens: request.maxTokens,
    temperature: 0,
    response_format: { type: "json_object" },
  };
  if (request.tools.length > 0) {
    body.tools = request.tools.map((tool) => ({ type: "function", function: tool }));
    body.tool_choice = "auto";
  }
  const controller = new AbortController();
  const abort = () => controller.abort();
  signal.addEventListener("abort", abort, { once: true });
  const timer = setTimeout(abort, Math.max(1, timeoutMs));
  try {
    const response = await http(settings.endpoint, {
      method: "POST",
      headers: { "content-type": "application/json", accept: "application/json", ...settings.headers },
      body: JSON.stringify(body),
      signal: controller.signal,
    });
    const text = await response.text();
    if (!response.ok) return { ok: false, reason: `HTTP ${response.status}: ${errorDetail(text)}`, timedOut: false };
    return parseTurn(text);
  } catch {
    // Transport errors can carry the URL (and a key in its query string): only the kind of failure is kept.
    const timedOut = controller.signal.aborted;
    return { ok: false, reason: timedOut ? "no answer in time" : "request failed", timedOut };
  } finally {
    clearTimeout(timer);
    signal.removeEventListener("abort", abort);
  }
}

function parseTurn(text: string): ChatTurn {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return { ok: false, reason: "provider response is not JSON", timedOut: false };
  }
  const completion = parsed as {
    choices?: { message?: { content?: unknown; tool_calls?: unknown }; finish_reason?: string }[];
    usage?: { total_tokens?: unknown };
  };
  const choice = completion.choices?.[0];
  if (!choice?.message) return { ok: false, reason: "provider response has no message", timedOut: false };
  const content = typeof choice.message.content === "string" ? choice.message.content : null;
  const toolCalls = Array.isArray(choice.message.tool_calls) ? (choice.message.tool_calls as unknown[]).filter(isToolCall) : [];
  const total = completion.usage?.total_tokens;
  return {
    ok: true,
    content,
    toolCalls,
    tokens: typeof total === "number" && Number.isFinite(total) ? total : null,
    truncated: choice.finish_reason === "length",
  };
}

function isToolCall(value: unknown): value is ToolCall {
  const call = value as Partial<ToolCall> | null;
  return typeof call?.id === "string" && typeof call.function?.name === "string" && typeof call.function.arguments === "string";
}
