import type { DeliveryResult, HttpClient } from "./connector.ts";

const MAX_REASON = 300;

/** Parses Retry-After (seconds or an HTTP date) into milliseconds from now. */
export function retryAfterMs(header: string | null, now: number = Date.now()): number | undefined {
  if (!header) return undefined;
  const seconds = Number(header);
  if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000);
  const at = Date.parse(header);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}

/** Maps a non-2xx platform answer onto the delivery result the outbox acts on. */
export function resultForStatus(status: number, body: string, retryAfter: string | null): DeliveryResult {
  const reason = `HTTP ${status}${body ? `: ${body.slice(0, MAX_REASON)}` : ""}`;
  if (status === 429 || status === 408 || status >= 500) {
    const wait = retryAfterMs(retryAfter);
    return wait === undefined ? { kind: "retryable", reason } : { kind: "retryable", reason, retryAfterMs: wait };
  }
  if (status === 401 || status === 403) {
    return { kind: "permanent", category: "credentials", reason: `credentials rejected (${reason})` };
  }
  if (status === 404) return { kind: "permanent", category: "not-found", reason };
  return { kind: "permanent", category: "rejected", reason };
}

/** What a connector needs back from one HTTP call: the status and body, or a retryable failure. */
export type HttpOutcome = { ok: true; status: number; body: string } | { ok: false; result: DeliveryResult; refusal?: Refusal };

/** A non-2xx answer as the platform sent it, so a connector can read the platform's own error message. */
export interface Refusal {
  status: number;
  body: string;
  headers: Headers;
}

/**
 * Sends one request with a timeout. Transport failures and timeouts become retryable results;
 * non-2xx answers become the result resultForStatus gives, so connectors never throw for remote trouble.
 */
export async function sendRequest(http: HttpClient, url: string, init: RequestInit, timeoutMs: number): Promise<HttpOutcome> {
  let response: Response;
  try {
    response = await http(url, { ...init, signal: AbortSignal.timeout(timeoutMs) });
  } catch (error) {
    const name = error instanceof Error ? error.name : "";
    const reason =
      name === "TimeoutError" || name === "AbortError"
        ? `timed out after ${timeoutMs} ms`
        : `request failed: ${describeTransportError(error)}`;
    return { ok: false, result: { kind: "retryable", reason } };
  }
  const body = await response.text().catch(() => "");
  if (response.ok) return { ok: true, status: response.status, body };
  return {
    ok: false,
    result: resultForStatus(response.status, body, response.headers.get("retry-after")),
    refusal: { status: response.status, body, headers: response.headers },
  };
}

// Transport errors can carry the full URL (and with it a webhook secret), so only the code is kept.
function describeTransportError(error: unknown): string {
  const cause = error instanceof Error ? (error.cause as { code?: string } | undefined) : undefined;
  return cause?.code ?? (error instanceof Error ? error.name : "unknown error");
}

/**
 * A failed result whose reason leads with what failed and the platform's own message, keeping the HTTP
 * status ("ServiceNow create failed (HTTP 403): User Not Authorized"); the plain reason when the
 * platform said nothing readable.
 */
export function withPlatformMessage(result: DeliveryResult, prefix: string, message: string | null): DeliveryResult {
  if (result.kind === "delivered") return result;
  const status = /HTTP \d+/.exec(result.reason)?.[0];
  if (!message) return { ...result, reason: `${prefix}: ${result.reason}` };
  return { ...result, reason: `${prefix}${status ? ` (${status})` : ""}: ${message}` };
}
