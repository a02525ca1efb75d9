import type { HttpClient } from "../../../connectors/connector.ts";
import type { LlmSettings } from "./settings.ts";
import { answerText, type ChatRequest, type ChatText, errorDetail, requestBody } from "./wire.ts";

/** A call's outcome; `remote` failures count against the circuit breaker, `credentials` opens it at once. */
export type CallOutcome =
  | { ok: true; text: string; truncated: boolean }
  | { ok: false; reason: string; failure: "remote" | "credentials" | "answer" };

/**
 * POSTs one chat request and reads the answer within `timeoutMs` overall (headers and body), whether or
 * not the injected client honours the abort signal. Never throws.
 */
export async function callModel(http: HttpClient, settings: LlmSettings, request: ChatRequest): Promise<CallOutcome> {
  const controller = new AbortController();
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<"timeout">((resolve) => {
    timer = setTimeout(() => {
      controller.abort();
      resolve("timeout");
    }, settings.timeoutMs);
  });
  const exchange = (async () => {
    const response = await http(settings.endpoint, {
      method: "POST",
      headers: { "content-type": "application/json", accept: "application/json", ...settings.headers },
      body: JSON.stringify(requestBody(settings, request)),
      signal: controller.signal,
    });
    return { status: response.status, ok: response.ok, body: await response.text() };
  })();
  // The losing branch must not surface as an unhandled rejection.
  exchange.catch(() => undefined);
  try {
    const result = await Promise.race([exchange, timedOut]);
    if (result === "timeout") return { ok: false, failure: "remote", reason: `timed out after ${settings.timeoutMs} ms` };
    if (!result.ok) {
      const failure = result.status === 401 || result.status === 403 ? "credentials" : "remote";
      return { ok: false, failure, reason: `HTTP ${result.status}: ${errorDetail(result.body)}` };
    }
    const answer: ChatText = answerText(settings, result.body);
    return answer.ok ? answer : { ok: false, failure: "answer", reason: answer.reason };
  } catch (error) {
    return { ok: false, failure: "remote", reason: `request failed: ${transportError(error)}` };
  } finally {
    clearTimeout(timer);
  }
}

// Transport errors can carry the URL (and with it a key in a query string), so only the code is kept.
function transportError(error: unknown): string {
  const cause = error instanceof Error ? (error.cause as { code?: string } | undefined) : undefined;
  return cause?.code ?? (error instanceof Error ? error.name : "unknown error");
}
