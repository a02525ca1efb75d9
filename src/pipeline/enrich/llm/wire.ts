import type { LlmSettings } from "./settings.ts";

/** One chat turn to send: the system prompt, the user message and the token limit. */
export interface ChatRequest {
  system: string;
  user: string;
  maxTokens: number;
}

/** The model's text, or why there is none. `truncated` marks an answer cut off at the token limit. */
export type ChatText = { ok: true; text: string; truncated: boolean } | { ok: false; reason: string };

/** The JSON body for the provider's API: OpenAI-compatible chat completions or the Anthropic Messages API. */
export function requestBody(settings: LlmSettings, request: ChatRequest): Record<string, unknown> {
  if (settings.api === "anthropic") {
    // The Messages API has no JSON mode; the system prompt asks for the object and the answer is validated.
    return {
      model: settings.model,
      max_tokens: request.maxTokens,
      temperature: 0,
      system: request.system,
      messages: [{ role: "user", content: request.user }],
    };
  }
  return {
    model: settings.model,
    max_tokens: request.maxTokens,
    temperature: 0,
    response_format: { type: "json_object" },
    messages: [
      { role: "system", content: request.system },
      { role: "user", content: request.user },
    ],
  };
}

/** Pulls the answer text out of a 2xx response body. */
export function answerText(settings: LlmSettings, body: string): ChatText {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    return { ok: false, reason: "provider response is not JSON" };
  }
  if (settings.api === "anthropic") {
    const message = parsed as { content?: Array<{ type?: string; text?: unknown }>; stop_reason?: string };
    const text = (message.content ?? [])
      .filter((block) => block.type === "text" && typeof block.text === "string")
      .map((block) => block.text as string)
      .join("");
    if (!text) return { ok: false, reason: "provider response has no text content" };
    return { ok: true, text, truncated: message.stop_reason === "max_tokens" };
  }
  const completion = parsed as { choices?: Array<{ message?: { content?: unknown }; finish_reason?: string }> };
  const choice = completion.choices?.[0];
  const content = choice?.message?.content;
  if (typeof content !== "string" || content.length === 0)
    return { ok: false, reason: "provider response has no message content" };
  return { ok: true, text: content, truncated: choice?.finish_reason === "length" };
}

/** A short, human-readable reason from a provider's error body (OpenAI and Anthropic both use {error:{message}}). */
export function errorDetail(body: string): string {
  try {
    const parsed = JSON.parse(body) as { error?: { message?: unknown } | string; message?: unknown };
    const message =
      typeof parsed.error === "string"
        ? parsed.error
        : typeof parsed.error?.message === "string"
          ? parsed.error.message
          : parsed.message;
    if (typeof message === "string") return message.slice(0, 200);
  } catch {
    // not JSON: fall through to the raw text
  }
  return body.replace(/\s+/g, " ").trim().slice(0, 200);
}
