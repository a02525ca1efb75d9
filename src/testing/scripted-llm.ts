import { createServer, type IncomingHttpHeaders, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

/** One request the scripted model server received, with its JSON body parsed when it was JSON. */
export interface LlmRequest {
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
  body: string;
  json: unknown;
}

/** How the server answers one request. */
export type LlmAnswer =
  /** A well-formed completion (OpenAI chat completion or Anthropic message, by the request path) carrying this text. */
  | { content: string; finishReason?: "stop" | "length"; totalTokens?: number }
  /** An OpenAI chat completion asking for tool calls (arguments as the model writes them: a JSON string). */
  | { toolCalls: { name: string; arguments: string }[]; totalTokens?: number }
  /** A raw HTTP answer, e.g. an error status or a body that is not a completion at all. */
  | { status: number; body: string; headers?: Record<string, string> }
  /** Never answers, so the client's timeout fires. */
  | { hang: true };

/** A local OpenAI-compatible (and Anthropic Messages) endpoint that answers from a script. */
export interface ScriptedLlm {
  /** Base URL for OpenAI-compatible clients (…/v1). */
  openaiBaseUrl: string;
  /** Base URL for Anthropic clients (the client appends /v1/messages). */
  anthropicBaseUrl: string;
  readonly requests: LlmRequest[];
  /** Queues answers for the next requests, in order; when empty, `fallback` answers. */
  script(...answers: LlmAnswer[]): void;
  /** Forgets recorded requests and unused scripted answers (between tests). */
  reset(): void;
  close(): Promise<void>;
}

export async function startScriptedLlm(
  fallback: LlmAnswer = { content: '{"summary":"default scripted summary"}' },
): Promise<ScriptedLlm> {
  const requests: LlmRequest[] = [];
  const queue: LlmAnswer[] = [];
  const hanging = new Set<ServerResponse>();

  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", () => {
      const body = Buffer.concat(chunks).toString("utf8");
      let json: unknown = null;
      try {
        json = JSON.parse(body);
      } catch {
        json = null;
      }
      const request: LlmRequest = { method: req.method ?? "GET", path: req.url ?? "/", headers: req.headers, body, json };
      requests.push(request);
      const answer = queue.shift() ?? fallback;
      if ("hang" in answer) {
        hanging.add(res);
        return;
      }
      if ("status" in answer) {
        res.writeHead(answer.status, { "content-type": "application/json", ...answer.headers });
        res.end(answer.body);
        return;
      }
      if ("toolCalls" in answer) {
        const calls = answer.toolCalls.map((call, i) => ({
          id: `call_${requests.length}_${i}`,
          type: "function",
          function: { name: call.name, arguments: call.arguments },
        }));
        res.writeHead(200, { "content-type": "application/json" });
        res.end(
          JSON.stringify(
            completion(json, { role: "assistant", content: null, tool_calls: calls }, "tool_calls", answer.totalTokens),
          ),
        );
        return;
      }
      const anthropic = request.path.startsWith("/v1/messages");
      const payload = anthropic
        ? {
            id: "msg_scripted",
            type: "message",
            role: "assistant",
            model: (json as { model?: string } | null)?.model ?? "scripted",
            content: [{ type: "text", text: answer.content }],
            stop_reason: answer.finishReason === "length" ? "max_tokens" : "end_turn",
            usage: { input_tokens: 1, output_tokens: 1 },
          }
        : completion(json, { role: "assistant", content: answer.content }, answer.finishReason ?? "stop", answer.totalTokens);
      res.writeHead(200, { "content-type": "application/json" });
      res.end(JSON.stringify(payload));
    });
  });

  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  const root = `http://127.0.0.1:${port}`;
  return {
    openaiBaseUrl: `${root}/v1`,
    anthropicBaseUrl: root,
    requests,
    script: (...answers) => queue.push(...answers),
    reset: () => {
      requests.length = 0;
      queue.length = 0;
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const res of hanging) res.destroy();
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** An OpenAI chat completion object around one message; usage as scripted (default 2 tokens). */
function completion(request: unknown, message: Record<string, unknown>, finishReason: string, totalTokens = 2) {
  return {
    id: "chatcmpl-scripted",
    object: "chat.completion",
    created: Math.floor(Date.now() / 1000),
    model: (request as { model?: string } | null)?.model ?? "scripted",
    choices: [{ index: 0, message: { refusal: null, ...message }, finish_reason: finishReason, logprobs: null }],
    usage: { prompt_tokens: totalTokens - 1, completion_tokens: 1, total_tokens: totalTokens },
  };
}
